// SPDX-License-Identifier: MIT
#pragma once

#include <QtCore/QDateTime>
#include <QtCore/QString>

#include <optional>

// Text conversions shared by the commands. Free functions rather than a class: they have no
// state, and keeping them apart from Commands keeps the parsing rules in one place.
namespace tiercache::cli {

//! "11 B", "4.0 KiB", "1.5 GiB": binary units, as the cache budgets are given.
QString humanSize(qint64 bytes);

//! Parses "512MiB", "64KiB", "1GiB", "1.5G", "10MB" (decimal) or plain bytes; case does not
//! matter. Returns nothing for anything else, including negative sizes. The grammar is
//! TierSpec::parseSize(), shared with tier specs.
std::optional<qint64> parseSize(const QString &text);

//! "in 5m", "in 2d", "expired 2h ago" relative to \a now; "expired" when \a expires is invalid,
//! because the cache treats an entry without an expiration time as stale, or at or before the
//! epoch, which is how a soft purge marks entries.
QString relativeExpiry(const QDateTime &expires, const QDateTime &now);

//! \a part of \a whole as "12.5%" with one decimal; "0.0%" when \a whole is not positive.
QString percentage(qint64 part, qint64 whole);

} // namespace tiercache::cli
