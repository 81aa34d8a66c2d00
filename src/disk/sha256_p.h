// SPDX-License-Identifier: MIT
#pragma once

#include <QtCore/QByteArray>

typedef struct evp_md_ctx_st EVP_MD_CTX;

namespace tiercache {

/*
    Incremental SHA-256 through OpenSSL's libcrypto. Qt 6.4's QCryptographicHash uses its own
    portable implementation, about 120 MB/s on these machines; libcrypto (SHA-NI/AVX2) is an
    order of magnitude faster, which is what lets a large body be stored at disk speed.
*/
class Sha256
{
public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256 &) = delete;
    Sha256 &operator=(const Sha256 &) = delete;

    void addData(const char *data, qsizetype length);
    //! The digest in lower-case hex; the object is spent afterwards.
    QByteArray hexResult();

private:
    EVP_MD_CTX *m_ctx;
};

} // namespace tiercache
