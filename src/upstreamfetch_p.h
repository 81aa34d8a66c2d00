// SPDX-License-Identifier: MIT
#pragma once

#include "accessreply_p.h"

#include <QtCore/QList>
#include <QtCore/QPointer>
#include <QtNetwork/QNetworkCacheMetaData>
#include <QtNetwork/QNetworkRequest>

namespace tiercache {

/*
    One origin request and the replies waiting for it: the request's own reply, any identical
    requests coalesced onto it before its response headers arrived, or none (a background
    revalidation). The response is streamed to every reply and, when storable, to the cache as
    it arrives: nothing is kept whole.
*/
class UpstreamFetch : public QObject
{
    Q_OBJECT
public:
    UpstreamFetch(QNetworkReply *network, const QNetworkRequest &request, QObject *parent)
        : QObject(parent), m_network(network), m_request(request)
    {
    }

    QNetworkReply *network() const { return m_network; }
    const QNetworkRequest &request() const { return m_request; }
    QList<QPointer<AccessReply>> subscribers;
    QUrl lookupUrl;               //!< where the stored response (if any) was found
    QNetworkCacheMetaData stored; //!< the stored response a conditional request is about
    bool conditional = false;
    bool headersArrived = false;
    QString coalescingKey; //!< empty: not open for coalescing
    enum class Refresh { None, Background, Auto };
    Refresh refresh = Refresh::None; //!< counted in AccessManager::refreshCounters()
    bool refreshCounted = false;
    bool background = false; //!< no reply waits: a 5xx never replaces the stored response

private:
    QPointer<QNetworkReply> m_network;
    QNetworkRequest m_request;
};

} // namespace tiercache
