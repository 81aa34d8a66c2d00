// SPDX-License-Identifier: MIT
#include "upstreamfetch_p.h"
