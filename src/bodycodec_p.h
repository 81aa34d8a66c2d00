// SPDX-License-Identifier: MIT
#pragma once

// Limits the encoder and the decoder agree on.
namespace tiercache::codec {

//! zstd's window: 2 MiB of compressor and decompressor memory, whatever the body's size. The
//! decoder refuses frames that ask for more (a hostile frame cannot make it allocate more).
constexpr int ZstdWindowLog = 21;

} // namespace tiercache::codec
