// SPDX-License-Identifier: MIT
#include "bodycodec_p.h"

#include <vector>

namespace tiercache::codec {

namespace {
    constexpr size_t KeptPerThread = 4;

    // Frees what a thread kept when it ends.
    template<typename Context, size_t (*Free)(Context *)>
    struct Kept
    {
        std::vector<Context *> contexts;
        ~Kept()
        {
            for (Context *c : contexts)
                Free(c);
        }
    };

    thread_local Kept<ZSTD_CCtx, ZSTD_freeCCtx> keptCompressors;
    thread_local Kept<ZSTD_DCtx, ZSTD_freeDCtx> keptDecompressors;
} // namespace

ZSTD_CCtx *acquireZstdCompressor()
{
    auto &kept = keptCompressors.contexts;
    if (kept.empty())
        return ZSTD_createCCtx();
    ZSTD_CCtx *c = kept.back();
    kept.pop_back();
    return c;
}

void releaseZstdCompressor(ZSTD_CCtx *context)
{
    if (!context)
        return;
    auto &kept = keptCompressors.contexts;
    // Session and parameters: the next user starts from a clean context.
    if (kept.size() >= KeptPerThread
        || ZSTD_isError(ZSTD_CCtx_reset(context, ZSTD_reset_session_and_parameters))) {
        ZSTD_freeCCtx(context);
        return;
    }
    kept.push_back(context);
}

ZSTD_DCtx *acquireZstdDecompressor()
{
    auto &kept = keptDecompressors.contexts;
    if (kept.empty())
        return ZSTD_createDCtx();
    ZSTD_DCtx *c = kept.back();
    kept.pop_back();
    return c;
}

void releaseZstdDecompressor(ZSTD_DCtx *context)
{
    if (!context)
        return;
    auto &kept = keptDecompressors.contexts;
    if (kept.size() >= KeptPerThread
        || ZSTD_isError(ZSTD_DCtx_reset(context, ZSTD_reset_session_and_parameters))) {
        ZSTD_freeDCtx(context);
        return;
    }
    kept.push_back(context);
}

} // namespace tiercache::codec
