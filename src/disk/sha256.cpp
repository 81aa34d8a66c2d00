// SPDX-License-Identifier: MIT
#include "disk/sha256_p.h"

#include <openssl/evp.h>

namespace tiercache {

namespace {
    // Fetched once: given EVP_sha256(), OpenSSL 3 looks the implementation up again on every
    // EVP_DigestInit_ex() (perf of 4 KiB inserts: EVP_MD_fetch() was 60 % of creating the
    // spool of a small body). A fetched EVP_MD may be shared by threads; it stays for the
    // life of the process.
    const EVP_MD *sha256Implementation()
    {
        static const EVP_MD *const md = [] {
            const EVP_MD *fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
            return fetched ? fetched : EVP_sha256();
        }();
        return md;
    }
} // namespace

Sha256::Sha256() : m_ctx(EVP_MD_CTX_new())
{
    EVP_DigestInit_ex(m_ctx, sha256Implementation(), nullptr);
}

Sha256::~Sha256()
{
    EVP_MD_CTX_free(m_ctx);
}

void Sha256::addData(const char *data, qsizetype length)
{
    EVP_DigestUpdate(m_ctx, data, size_t(length));
}

QByteArray Sha256::hexResult()
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_DigestFinal_ex(m_ctx, digest, &length);
    return QByteArray(reinterpret_cast<const char *>(digest), int(length)).toHex();
}

} // namespace tiercache
