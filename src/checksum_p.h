// SPDX-License-Identifier: MIT
#pragma once

#include <tiercache/chunkchecksum.h>

namespace tiercache {

// The disk tier's name for ChunkChecksum::compute() (XXH64, seed 0), see chunkchecksum.h.
inline quint64 chunkChecksum(const char *data, qsizetype length)
{
    return ChunkChecksum::compute(data, length);
}

} // namespace tiercache
