// SPDX-License-Identifier: MIT
#pragma once

#include <QtCore/QtGlobal>

// Limits the encoder and the decoder agree on.
namespace tiercache::codec {

//! zstd's window: 2 MiB of compressor and decompressor memory, whatever the body's size. The
//! decoder refuses frames that ask for more (a hostile frame cannot make it allocate more).
constexpr int ZstdWindowLog = 21;

//! The body is compressed as a sequence of independent frames (zstd frames, gzip members) of
//! this many body bytes each (the last one shorter), every one with the codec's checksum of
//! its decoded bytes. The decoder hands out a frame's bytes only after its checksum matched:
//! a damaged stream never yields a wrong byte, whatever checks the tier has, and the decoder
//! holds at most one frame. A frame that decodes longer is damage.
constexpr qint64 FrameSize = 256 * 1024;

} // namespace tiercache::codec
