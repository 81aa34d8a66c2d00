// SPDX-License-Identifier: MIT
#pragma once

// The behaviour every tiercache::Tier must show, whatever stores it: one Qt Test class that a
// test runs once per tier (QTest::qExec on a separate instance each time).

#include <tiercache/tier.h>

#include <QtCore/QObject>

#include <functional>
#include <memory>

namespace tiercache::test {

//! Makes a tier, or returns nullptr and says why in \a errorString.
using TierMaker = std::function<std::unique_ptr<Tier>(QString *errorString)>;

struct ConformanceOptions
{
    //! The tier keeps its entries when it is destroyed and made again.
    bool persistent = false;
    //! Makes the tier again on the same storage; the first factory when empty.
    TierMaker reopen;
};

class TierConformance : public QObject
{
    Q_OBJECT
public:
    using Factory = TierMaker;
    using Options = ConformanceOptions;

    //! Runs the suite on tiers made by \a factory; \a label names them in the output.
    TierConformance(const QString &label, Factory factory, Options options = {});
    //! Runs the suite on tiers made from \a spec by a TierLoader with the default search path.
    explicit TierConformance(const QString &spec, Options options = {});
    ~TierConformance() override;

    static Factory specFactory(const QString &spec);
    QString label() const { return m_label; }

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void roundTrip_data();
    void roundTrip();
    void unknownKey();
    void removeThenRemoveAgain();
    void updateMetaDataKeepsBody();
    void conditionalUpdateMetaData();
    void enumerateSeesExactlyThePuts();
    void clearEmpties();
    void sizeGrowsWithPuts();
    void replaceGivesSecondBody();
    void commitMetaDataWins();
    void streamsLargeBody();
    void handleOpensTwice();
    void handleOpensLongAfterLookup();
    void writerWithoutCommitLeavesNothing();
    void readersKeepTheirVersionDuringReplace();
    void readerDuringRemove();
    void maxEntrySizeRespected();
    void persistsAcrossReopen();

private:
    std::unique_ptr<Tier> make(const Factory &factory);
    //! Bodies up to \a wanted bytes that the tier accepts.
    qint64 fitting(qint64 wanted) const;

    QString m_label;
    QString m_scheme;
    Factory m_factory;
    Options m_options;
    std::unique_ptr<Tier> m_tier;
};

} // namespace tiercache::test
