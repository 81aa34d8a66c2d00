// SPDX-License-Identifier: MIT
// Shared helpers of the fuzz targets: a property check that aborts (libFuzzer and the
// regression runner both treat abort() as a failure), a byte reader for structured inputs, and
// a message handler that keeps Qt's warnings about malformed input off the output.
#pragma once

#include <QtCore/QByteArray>
#include <QtCore/QList>
#include <QtCore/QString>
#include <QtCore/QtGlobal>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

namespace fuzz {

[[noreturn]] inline void fail(const char *condition, const char *file, int line,
                              const QString &detail)
{
    std::fprintf(stderr, "\nFUZZ_CHECK failed: %s\n  at %s:%d\n", condition, file, line);
    if (!detail.isEmpty())
        std::fprintf(stderr, "  %s\n", detail.toLocal8Bit().constData());
    std::fflush(stderr);
    std::abort();
}

//! Qt warnings about malformed input are expected by the thousand; fatal messages still abort.
//! FUZZ_VERBOSE=1 shows them.
inline void quietMessageHandler(QtMsgType type, const QMessageLogContext &, const QString &message)
{
    static const bool verbose = qEnvironmentVariableIntValue("FUZZ_VERBOSE") != 0;
    if (type == QtFatalMsg || verbose)
        std::fprintf(stderr, "Qt: %s\n", message.toLocal8Bit().constData());
    if (type == QtFatalMsg)
        std::abort();
}

inline const bool messageHandlerInstalled = (qInstallMessageHandler(quietMessageHandler), true);

} // namespace fuzz

// Sanitizer defaults of every fuzz target and regression runner (ASAN_OPTIONS adds to them):
// an allocation beyond 512 MiB fails as malloc() would on a machine without that much
// memory, instead of being reported: Qt's QDataStream reserves a container for the element
// count it reads (up to 2^32 elements, 206 GB for raw headers) and copes with a failed
// reservation. (The limit is low so that the attempts stay cheap.)
extern "C" const char *__asan_default_options()
{
    return "allocator_may_return_null=1:max_allocation_size_mb=512";
}

namespace fuzz {

//! Consumes a structured input front to back; reads past the end yield zeros / empty arrays.
class ByteReader
{
public:
    ByteReader(const uint8_t *data, size_t size) : m_data(data), m_size(size) { }

    size_t remaining() const { return m_size - m_pos; }
    bool atEnd() const { return m_pos >= m_size; }

    template<typename T>
    T integral()
    {
        T value = 0;
        for (size_t i = 0; i < sizeof(T) && m_pos < m_size; ++i)
            value = T((quint64(value) << 8) | m_data[m_pos++]);
        return value;
    }
    bool boolean() { return integral<quint8>() & 1; }

    QByteArray bytes(size_t n)
    {
        n = qMin(n, remaining());
        QByteArray result(reinterpret_cast<const char *>(m_data + m_pos), qsizetype(n));
        m_pos += n;
        return result;
    }
    QByteArray rest() { return bytes(remaining()); }

private:
    const uint8_t *m_data;
    size_t m_size;
    size_t m_pos = 0;
};

inline QString hex(const QByteArray &bytes)
{
    return QString::fromLatin1(bytes.toHex());
}

//! Whether the property \a id is listed in FUZZ_KNOWN_BUGS (comma-separated): a bug that is
//! reported but not fixed yet, which would otherwise stop every run of its target at once.
inline bool isKnownBug(const char *id)
{
    static const QList<QByteArray> known = qgetenv("FUZZ_KNOWN_BUGS").split(',');
    return *id && known.contains(QByteArray(id));
}

} // namespace fuzz

//! A check that FUZZ_KNOWN_BUGS=<id> turns off (see isKnownBug()); an empty id never does.
#define FUZZ_CHECK_UNLESS_KNOWN(id, condition, detail) \
    do { \
        if (!(condition) && !::fuzz::isKnownBug(id)) \
            ::fuzz::fail(#condition, __FILE__, __LINE__, \
                         QStringLiteral("[known bug id \"%1\"] ").arg(QLatin1String(id)) \
                                 + (detail)); \
    } while (false)

#define FUZZ_CHECK(condition, detail) \
    do { \
        if (!(condition)) \
            ::fuzz::fail(#condition, __FILE__, __LINE__, (detail)); \
    } while (false)
