# SPDX-License-Identifier: MIT
# cmake -P script run by the tst_install test. Installs the library built in INSTALL_FROM
# into a fresh prefix, checks every public header is there, then builds the consumer project
# with only that prefix (and Qt) to find Tiercache, and checks that no include path points
# back into the source or build tree. Then builds the consumer's application again with
# nothing but the flags `pkg-config --cflags --libs tiercache` gives for that prefix.

function(run)
    execute_process(COMMAND ${ARGV} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
    if(NOT rc EQUAL 0)
        message(FATAL_ERROR "failed (${rc}): ${ARGV}\n${out}")
    endif()
endfunction()

set(prefix ${WORK_DIR}/prefix)
set(build ${WORK_DIR}/build)
file(REMOVE_RECURSE ${WORK_DIR})

# The library's part of the build: the package needs nothing from the app, tests or plugins.
run(${CMAKE_COMMAND} --install ${INSTALL_FROM} --prefix ${prefix})

file(GLOB headers RELATIVE ${HEADER_DIR} ${HEADER_DIR}/*.h)
list(APPEND headers tiercache_export.h)
foreach(header IN LISTS headers)
    if(NOT EXISTS ${prefix}/include/tiercache/${header})
        message(FATAL_ERROR "public header not installed: tiercache/${header} "
                            "(add it to public_headers in src/CMakeLists.txt)")
    endif()
endforeach()

run(${CMAKE_COMMAND} -S ${CONSUMER_DIR} -B ${build} -G ${GENERATOR}
    -DCMAKE_CXX_COMPILER=${CXX_COMPILER}
    -DCMAKE_BUILD_TYPE=Release
    -DCMAKE_PREFIX_PATH=${prefix}
    -DCMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY=ON
    -DCMAKE_EXPORT_COMPILE_COMMANDS=ON)
run(${CMAKE_COMMAND} --build ${build} --parallel 2)

file(READ ${build}/compile_commands.json commands)
string(REPLACE "|" ";" forbidden "${FORBIDDEN_DIRS}")
foreach(dir IN LISTS forbidden)
    string(FIND "${commands}" "${dir}/" at)
    if(NOT at EQUAL -1)
        message(FATAL_ERROR "the consumer was compiled with a path into the tree: ${dir}")
    endif()
endforeach()
message(STATUS "consumer built against ${prefix}")

# pkg-config: the installed tiercache.pc, found under the fresh prefix, gives flags that
# compile and link an application.
file(GLOB_RECURSE pc_files ${prefix}/tiercache.pc)
list(LENGTH pc_files pc_count)
if(NOT pc_count EQUAL 1)
    message(FATAL_ERROR "expected one installed tiercache.pc under ${prefix}, found: ${pc_files}")
endif()
get_filename_component(pc_dir ${pc_files} DIRECTORY)
find_program(PKG_CONFIG pkg-config REQUIRED)
set(ENV{PKG_CONFIG_PATH} "${pc_dir}")
execute_process(COMMAND ${PKG_CONFIG} --cflags --libs tiercache RESULT_VARIABLE rc
                OUTPUT_VARIABLE pc_flags ERROR_VARIABLE pc_error OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "pkg-config --cflags --libs tiercache failed: ${pc_error}")
endif()
string(FIND "${pc_flags}" "-I${prefix}/" at_include)
if(at_include EQUAL -1)
    get_filename_component(real_prefix ${prefix} REALPATH)
    string(FIND "${pc_flags}" "${real_prefix}" at_include)
endif()
if(at_include EQUAL -1)
    message(FATAL_ERROR "pkg-config flags do not point into ${prefix}: ${pc_flags}")
endif()
separate_arguments(pc_args UNIX_COMMAND "${pc_flags}")
run(${CXX_COMPILER} -std=c++17 -fPIC ${CONSUMER_DIR}/main.cpp ${pc_args}
    -o ${WORK_DIR}/consumer-pkgconfig)
message(STATUS "consumer built with pkg-config flags: ${pc_flags}")
