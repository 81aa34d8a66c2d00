# SPDX-License-Identifier: MIT
#
# The architecture rule, checked on every test run: includes flow one way.
#   - app/ and plugins/ use only the library's public headers (<tiercache/...>) and their own;
#   - src/ never includes app/ or plugins/;
#   - inside src/: NetworkCache -> policy and tier chain -> tiers -> catalogue, never back up:
#     the tier layer (tier chain, devices, facets) never includes the front end, and the disk
#     subsystem (src/disk/) includes neither the front end nor the tier chain.
# Usage: cmake -DSOURCE_DIR=<repo> -P check_includes.cmake

set(violations "")

function(check_files glob forbidden_regex why)
    file(GLOB_RECURSE files LIST_DIRECTORIES false ${glob})
    foreach(f IN LISTS files)
        file(STRINGS "${f}" lines REGEX "^[ \t]*#[ \t]*include")
        foreach(line IN LISTS lines)
            if(line MATCHES "${forbidden_regex}")
                file(RELATIVE_PATH rel "${SOURCE_DIR}" "${f}")
                set(violations "${violations}\n  ${rel}: ${line}  (${why})")
            endif()
        endforeach()
    endforeach()
    set(violations "${violations}" PARENT_SCOPE)
endfunction()

set(front_end "networkcache_p\\.h|chainbuilder_p\\.h|replywatcher_p\\.h|revalidationpins_p\\.h|statisticscounters_p\\.h|taginvalidation_p\\.h|chaintagindex_p\\.h|tierlisting_p\\.h|<tiercache/networkcache\\.h>")

foreach(dir app plugins)
    check_files("${SOURCE_DIR}/${dir}/*.[ch]*" "\"[^\"]*(src/|_p\\.h)"
                "${dir}/ uses only the public headers")
endforeach()
check_files("${SOURCE_DIR}/src/*.[ch]*" "(app|plugins)/" "src/ never includes app/ or plugins/")
foreach(f tierchain teedevice insertdevice tierfacets bodydevice)
    check_files("${SOURCE_DIR}/src/${f}*" "${front_end}" "the tier layer never includes the front end")
endforeach()
check_files("${SOURCE_DIR}/src/disk/*" "${front_end}|tierchain_p\\.h"
            "the disk subsystem never includes the front end or the tier chain")

if(violations)
    message(FATAL_ERROR "includes that flow the wrong way:${violations}")
endif()
message(STATUS "includes flow one way")
