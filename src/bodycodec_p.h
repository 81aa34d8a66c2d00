// SPDX-License-Identifier: MIT
#pragma once

#include <QtCore/QtGlobal>

#include <zstd.h>

// Limits the encoder and the decoder agree on.
namespace tiercache::codec {

//! zstd's window: one frame (FrameSize) - frames are independent, a larger window would
//! find nothing more. The decoder refuses frames that ask for more (a hostile frame cannot
//! make it allocate more).
constexpr int ZstdWindowLog = 18;

//! The body is compressed as a sequence of independent frames (zstd frames, gzip members) of
//! this many body bytes each (the last one shorter), every one with the codec's checksum of
//! its decoded bytes. The decoder hands out a frame's bytes only after its checksum matched:
//! a damaged stream never yields a wrong byte, whatever checks the tier has, and the decoder
//! holds at most one frame. A frame that decodes longer is damage.
constexpr qint64 FrameSize = 256 * 1024;

//! Compression contexts are costly to create (tables of a few hundred KiB, their allocation
//! and clearing dominate small bodies): each thread keeps a few finished ones for reuse.
//! acquire*() returns a fresh or reset context, or nullptr when the library fails.
ZSTD_CCtx *acquireZstdCompressor();
void releaseZstdCompressor(ZSTD_CCtx *context);
ZSTD_DCtx *acquireZstdDecompressor();
void releaseZstdDecompressor(ZSTD_DCtx *context);

} // namespace tiercache::codec
