// SPDX-License-Identifier: MIT
// Unit tests of the catalogue (src/disk/catalogue*.cpp) on its own: schema, upgrade, rows,
// tags, invalidation, totals, LRU order, tombstones, statistics, listings and the write lock.

#include "disk/catalogue_p.h"

#include <QtCore/QDir>
#include <QtCore/QElapsedTimer>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtCore/QTemporaryDir>
#include <QtSql/QSqlDatabase>
#include <QtSql/QSqlQuery>
#include <QtTest/QTest>

#include <algorithm>
#include <sys/stat.h>

using namespace tiercache;
using namespace Qt::StringLiterals;

namespace {

constexpr int ApplicationId = 0x54434331; // "TCC1"

BlobRecord makeBlob(const QByteArray &digest, qint64 bodySize, qint64 allocSize)
{
    return BlobRecord {digest, bodySize, allocSize, 65536, QByteArray(8, 'c'), false, {}, bodySize};
}

EntryRecord makeEntry(const QString &key, const QByteArray &digest, qint64 lastAccessMs = 1000)
{
    EntryRecord e;
    e.key = key;
    e.digest = digest;
    e.bodySize = 10;
    e.meta = "meta:" + key.toUtf8();
    e.status = 200;
    e.contentType = "text/plain";
    e.expiresMs = 5000;
    e.createdMs = 100;
    e.lastAccessMs = lastAccessMs;
    e.hits = 0;
    e.rowSize = 100;
    return e;
}

// A plain Qt Sql connection to the same file, for looking under the catalogue.
class RawConnection
{
public:
    explicit RawConnection(const QString &path)
    {
        m_db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_name);
        m_db.setDatabaseName(path);
        m_db.open();
    }
    ~RawConnection()
    {
        m_db.close();
        m_db = QSqlDatabase();
        QSqlDatabase::removeDatabase(m_name);
    }
    bool exec(const QString &sql)
    {
        QSqlQuery q(m_db);
        return q.exec(sql);
    }
    QVariant value(const QString &sql)
    {
        QSqlQuery q(m_db);
        return q.exec(sql) && q.next() ? q.value(0) : QVariant();
    }
    QStringList column(const QString &sql)
    {
        QSqlQuery q(m_db);
        QStringList result;
        if (q.exec(sql)) {
            while (q.next())
                result.append(q.value(0).toString());
        }
        return result;
    }

private:
    const QString m_name = QStringLiteral("tst_catalogue-raw");
    QSqlDatabase m_db;
};

QStringList keysOf(const QList<EntryRecord> &entries)
{
    QStringList keys;
    for (const EntryRecord &e : entries)
        keys.append(e.key);
    return keys;
}

} // namespace

class tst_Catalogue : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();

    void createsSchema();
    void reopenKeepsRows();
    void upgradesFormatTwoInPlace();
    void upgradesFormatThreeInPlace();
    void upgradesFormatFourInPlace();
    void upgradesFormatFiveInPlace();
    void newerFormatIsLeftAlone();
    void everyDamagedCopyIsKept();
    void unusableFileIsMovedAside_data();
    void unusableFileIsMovedAside();
    void transactionRollsBackUnlessCommitted();

    void upsertFindReplace();
    void textIsBoundAsItIs_data();
    void textIsBoundAsItIs();
    void entryNeedsItsBodyRow();
    void deleteAndUpdateMeta();
    void totals();
    void lruOrderFollowsHits();

    void tagsSetReplacedAndDropped();
    void invalidationHidesAtOnceDeletesLater();
    void newVersionRevivesInvalidatedKey();
    void expireKeys();

    void tombstones();
    void batchDeleteFreesSharedBodyOnlyWithLastEntry();
    void clearToGarbage();

    void countersAndSeries();
    void query_data();
    void query();

    void noWaitGivesUpOnATakenLock();
    void dataVersionSeesOtherConnections();

private:
    QString path() const { return m_dir->filePath(QStringLiteral("catalogue.db")); }
    //! A blob row and an entry row, committed.
    void store(const EntryRecord &e, qint64 allocSize = 4096, const QStringList &tags = {});
    //! "file" (body d1, a file, tag t) and "inline" (body d2, "small body" in the catalogue).
    void storeFileAndInlineEntries();

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<Catalogue> m_c;
};

void tst_Catalogue::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_c = std::make_unique<Catalogue>();
    bool wasReset = true;
    QVERIFY2(m_c->open(path(), &wasReset), qPrintable(m_c->errorString()));
    QVERIFY(!wasReset);
}

void tst_Catalogue::cleanup()
{
    m_c.reset();
    m_dir.reset();
}

void tst_Catalogue::store(const EntryRecord &e, qint64 allocSize, const QStringList &tags)
{
    Catalogue::Transaction t(*m_c);
    QVERIFY(t.isActive());
    if (!m_c->findBlob(e.digest))
        QVERIFY(m_c->insertBlob(makeBlob(e.digest, e.bodySize, allocSize)));
    QVERIFY(m_c->upsertEntry(e));
    if (!tags.isEmpty())
        QVERIFY(m_c->setTags(e.key, tags));
    QVERIFY(t.commit());
}

void tst_Catalogue::storeFileAndInlineEntries()
{
    store(makeEntry(QStringLiteral("file"), "d1"), 40000, {QStringLiteral("t")});
    Catalogue::Transaction t(*m_c);
    BlobRecord blob = makeBlob("d2", 10, 0);
    blob.isInline = true;
    blob.body = QByteArray("small body");
    QVERIFY(m_c->insertBlob(blob));
    QVERIFY(m_c->upsertEntry(makeEntry(QStringLiteral("inline"), "d2")));
    QVERIFY(t.commit());
}

void tst_Catalogue::createsSchema()
{
    QVERIFY(m_c->isOpen());
    QVERIFY(!m_c->corrupted());
    QCOMPARE(m_c->totalSize(), 0);
    QCOMPARE(m_c->counts().entries, 0);
    // Responses are private: the file is created 0600 whatever the umask.
    struct stat st;
    QCOMPARE(::stat(QFile::encodeName(path()).constData(), &st), 0);
    QCOMPARE(st.st_mode & 0777, 0600u);

    RawConnection raw(path());
    QCOMPARE(raw.value(QStringLiteral("PRAGMA application_id")).toInt(), ApplicationId);
    QCOMPARE(raw.value(QStringLiteral("PRAGMA user_version")).toInt(), 6);
    QCOMPARE(raw.value(QStringLiteral("PRAGMA journal_mode")).toString(), QStringLiteral("wal"));
    QStringList tables =
            raw.column(QStringLiteral("SELECT name FROM sqlite_master WHERE type = 'table'"));
    tables.sort();
    QCOMPARE(tables,
             QStringList({u"blobs"_s, u"counters"_s, u"entries"_s, u"garbage"_s, u"invalidated"_s,
                          u"series"_s, u"state"_s, u"tags"_s}));
    QCOMPARE(raw.value(QStringLiteral("SELECT value FROM state WHERE name = 'total_size'"))
                     .toLongLong(),
             0);
}

void tst_Catalogue::reopenKeepsRows()
{
    store(makeEntry(QStringLiteral("k"), "d1"), 4096, {QStringLiteral("t")});
    QVERIFY(m_c->addToTotal(4196));
    m_c->close();
    QVERIFY(!m_c->isOpen());
    bool wasReset = true;
    QVERIFY(m_c->open(path(), &wasReset));
    QVERIFY(!wasReset);
    QCOMPARE(m_c->find(QStringLiteral("k"))->meta, QByteArray("meta:k"));
    QCOMPARE(m_c->tagsOf(QStringLiteral("k")), QStringList {QStringLiteral("t")});
    QCOMPARE(m_c->totalSize(), 4196);
}

void tst_Catalogue::upgradesFormatTwoInPlace()
{
    // Format 2 is format 3 without the invalidated table; format 3 is format 4 without the
    // body column of blobs (every body a file); format 4 is format 5 without the stored_size
    // and compression columns (every body stored as it is).
    store(makeEntry(QStringLiteral("k"), "d1"), 4096, {QStringLiteral("t")});
    m_c->close();
    {
        RawConnection raw(path());
        QVERIFY(raw.exec(QStringLiteral("DROP TABLE invalidated")));
        QVERIFY(raw.exec(QStringLiteral("ALTER TABLE blobs DROP COLUMN body")));
        QVERIFY(raw.exec(QStringLiteral("ALTER TABLE blobs DROP COLUMN stored_size")));
        QVERIFY(raw.exec(QStringLiteral("ALTER TABLE blobs DROP COLUMN compression")));
        QVERIFY(raw.exec(QStringLiteral("PRAGMA user_version=2")));
    }
    bool wasReset = true;
    QVERIFY2(m_c->open(path(), &wasReset), qPrintable(m_c->errorString()));
    QVERIFY(!wasReset);
    QVERIFY(!QFile::exists(path() + QLatin1String(".corrupt")));
    QCOMPARE(m_c->find(QStringLiteral("k"))->key, QStringLiteral("k"));
    QCOMPARE(m_c->invalidateTags({QStringLiteral("t")}), 1);
    QVERIFY(!m_c->find(QStringLiteral("k")));
    m_c->close();
    RawConnection raw(path());
    QCOMPARE(raw.value(QStringLiteral("PRAGMA user_version")).toInt(), 6);
    QCOMPARE(raw.value(QStringLiteral("SELECT count(*) FROM invalidated")).toInt(), 1);
    QCOMPARE(raw.value(QStringLiteral("SELECT count(*) FROM blobs WHERE body IS NULL")).toInt(), 1);
    // Stored as they are: the stored bytes are the body.
    QCOMPARE(raw.value(QStringLiteral("SELECT count(*) FROM blobs WHERE stored_size = body_size"
                                      " AND compression = 0"))
                     .toInt(),
             1);
}

void tst_Catalogue::upgradesFormatThreeInPlace()
{
    // Format 3: every body a file, no body column. Its rows stay, as file bodies.
    store(makeEntry(QStringLiteral("k"), "d1"), 4096, {QStringLiteral("t")});
    m_c->close();
    {
        RawConnection raw(path());
        QVERIFY(raw.exec(QStringLiteral("ALTER TABLE blobs DROP COLUMN body")));
        QVERIFY(raw.exec(QStringLiteral("ALTER TABLE blobs DROP COLUMN stored_size")));
        QVERIFY(raw.exec(QStringLiteral("ALTER TABLE blobs DROP COLUMN compression")));
        QVERIFY(raw.exec(QStringLiteral("PRAGMA user_version=3")));
    }
    bool wasReset = true;
    QVERIFY2(m_c->open(path(), &wasReset), qPrintable(m_c->errorString()));
    QVERIFY(!wasReset);
    const auto e = m_c->find(QStringLiteral("k"));
    QVERIFY(e);
    QVERIFY(!e->inlineBody);
    QCOMPARE(e->storedSize, e->bodySize);
    QCOMPARE(e->compression, BodyCompression::Algorithm::None);
    QVERIFY(!m_c->inlineBody("d1"));
    QCOMPARE(m_c->tagsOf(QStringLiteral("k")), QStringList {QStringLiteral("t")});
    m_c->close();
    RawConnection raw(path());
    QCOMPARE(raw.value(QStringLiteral("PRAGMA user_version")).toInt(), 6);
}

void tst_Catalogue::upgradesFormatFourInPlace()
{
    // Format 4: bodies inline or files, all stored as they are. Both kinds stay readable.
    storeFileAndInlineEntries();
    m_c->close();
    {
        RawConnection raw(path());
        QVERIFY(raw.exec(QStringLiteral("ALTER TABLE blobs DROP COLUMN stored_size")));
        QVERIFY(raw.exec(QStringLiteral("ALTER TABLE blobs DROP COLUMN compression")));
        QVERIFY(raw.exec(QStringLiteral("PRAGMA user_version=4")));
    }
    bool wasReset = true;
    QVERIFY2(m_c->open(path(), &wasReset), qPrintable(m_c->errorString()));
    QVERIFY(!wasReset);
    const auto file = m_c->find(QStringLiteral("file"));
    QVERIFY(file);
    QVERIFY(!file->inlineBody);
    QCOMPARE(file->storedSize, file->bodySize);
    QCOMPARE(file->compression, BodyCompression::Algorithm::None);
    const auto inl = m_c->find(QStringLiteral("inline"));
    QVERIFY(inl);
    QCOMPARE(inl->storedSize, inl->bodySize);
    QCOMPARE(inl->compression, BodyCompression::Algorithm::None);
    QCOMPARE(m_c->inlineBody("d2").value_or(QByteArray()), QByteArray("small body"));
    QVERIFY(inl->inlineBody);
    m_c->close();
    RawConnection raw(path());
    QCOMPARE(raw.value(QStringLiteral("PRAGMA user_version")).toInt(), 6);
}

void tst_Catalogue::upgradesFormatFiveInPlace()
{
    // Format 5 kept blobs WITHOUT ROWID; format 6 copies its rows into a table with rowids.
    storeFileAndInlineEntries();
    m_c->close();
    {
        // The tables as format 5 made them: blobs WITHOUT ROWID, entries naming the digest.
        RawConnection raw(path());
        const char *const toFormatFive[] = {
                "ALTER TABLE blobs RENAME TO blobs_v6",
                "ALTER TABLE entries RENAME TO entries_v6",
                "CREATE TABLE blobs (digest TEXT PRIMARY KEY, body_size INTEGER NOT NULL,"
                " alloc_size INTEGER NOT NULL, chunk_size INTEGER NOT NULL, sums BLOB NOT NULL,"
                " stored_size INTEGER NOT NULL, compression INTEGER NOT NULL DEFAULT 0,"
                " body BLOB) WITHOUT ROWID",
                "INSERT INTO blobs SELECT digest, body_size, alloc_size, chunk_size, sums,"
                " stored_size, compression, body FROM blobs_v6",
                "CREATE TABLE entries (key TEXT PRIMARY KEY, digest TEXT NOT NULL,"
                " body_size INTEGER NOT NULL, meta BLOB NOT NULL, status INTEGER NOT NULL,"
                " content_type TEXT, expires INTEGER NOT NULL, created INTEGER NOT NULL,"
                " last_access INTEGER NOT NULL, hits INTEGER NOT NULL DEFAULT 0,"
                " row_size INTEGER NOT NULL)",
                "INSERT INTO entries SELECT e.key, b.digest, e.body_size, e.meta, e.status,"
                " e.content_type, e.expires, e.created, e.last_access, e.hits, e.row_size"
                " FROM entries_v6 e JOIN blobs_v6 b ON b.id = e.blob_id",
                "DROP TABLE entries_v6",
                "DROP TABLE blobs_v6",
                "CREATE INDEX entries_lru ON entries(last_access, key)",
                "CREATE INDEX entries_digest ON entries(digest)",
                "PRAGMA user_version=5",
        };
        for (const char *sql : toFormatFive)
            QVERIFY2(raw.exec(QString::fromLatin1(sql)), sql);
    }
    bool wasReset = true;
    QVERIFY2(m_c->open(path(), &wasReset), qPrintable(m_c->errorString()));
    QVERIFY(!wasReset);
    const auto file = m_c->find(QStringLiteral("file"));
    QVERIFY(file);
    QVERIFY(!file->inlineBody);
    QCOMPARE(file->allocSize, 40000);
    const auto inl = m_c->find(QStringLiteral("inline"));
    QVERIFY(inl);
    QVERIFY(inl->inlineBody);
    QCOMPARE(m_c->inlineBody("d2").value_or(QByteArray()), QByteArray("small body"));
    QCOMPARE(m_c->tagsOf(QStringLiteral("file")), QStringList {QStringLiteral("t")});
    m_c->close();
    RawConnection raw(path());
    QCOMPARE(raw.value(QStringLiteral("PRAGMA user_version")).toInt(), 6);
    QCOMPARE(raw.value(QStringLiteral("SELECT count(*) FROM blobs")).toInt(), 2);
    const QString sql = raw.value(QStringLiteral("SELECT sql FROM sqlite_master"
                                                 " WHERE type = 'table' AND name = 'blobs'"))
                                .toString();
    QVERIFY2(!sql.contains(QLatin1String("WITHOUT ROWID")), qPrintable(sql));
    QCOMPARE(raw.value(QStringLiteral("SELECT count(*) FROM entries e JOIN blobs b"
                                      " ON b.id = e.blob_id"))
                     .toInt(),
             2);
    QCOMPARE(raw.column(QStringLiteral("SELECT name FROM sqlite_master WHERE type = 'index'"
                                       " AND name LIKE 'entries%' ORDER BY name")),
             QStringList({u"entries_blob"_s, u"entries_lru"_s}));
}

void tst_Catalogue::newerFormatIsLeftAlone()
{
    // Two application versions sharing a directory: the older one must not wipe the newer
    // one's cache. It cannot use it, says so, and leaves every byte where it was.
    store(makeEntry(QStringLiteral("k"), "d1"));
    m_c->close();
    {
        RawConnection raw(path());
        QVERIFY(raw.exec(QStringLiteral("PRAGMA user_version=99")));
    }
    QFile::remove(path() + QLatin1String("-wal"));
    QFile::remove(path() + QLatin1String("-shm"));
    QFile before(path());
    QVERIFY(before.open(QIODevice::ReadOnly));
    const QByteArray bytes = before.readAll();
    before.close();
    bool wasReset = true;
    QVERIFY(!m_c->open(path(), &wasReset));
    QVERIFY(!wasReset);
    QVERIFY2(m_c->errorString().contains(QLatin1String("newer Tiercache")),
             qPrintable(m_c->errorString()));
    QVERIFY(!QFile::exists(path() + QLatin1String(".corrupt.1")));
    QFile after(path());
    QVERIFY(after.open(QIODevice::ReadOnly));
    QCOMPARE(after.readAll(), bytes);
}

void tst_Catalogue::everyDamagedCopyIsKept()
{
    for (int round = 1; round <= 3; ++round) {
        m_c->close();
        QFile::remove(path() + QLatin1String("-wal"));
        QFile::remove(path() + QLatin1String("-shm"));
        {
            QFile f(path());
            QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
            f.write(QByteArray(8192, char('a' + round)));
        }
        bool wasReset = false;
        QVERIFY2(m_c->open(path(), &wasReset), qPrintable(m_c->errorString()));
        QVERIFY(wasReset);
        for (int n = 1; n <= round; ++n) {
            QFile copy(path() + QLatin1String(".corrupt.") + QString::number(n));
            QVERIFY2(copy.open(QIODevice::ReadOnly), qPrintable(copy.fileName()));
            QCOMPARE(copy.readAll(), QByteArray(8192, char('a' + n)));
        }
    }
}

void tst_Catalogue::unusableFileIsMovedAside_data()
{
    QTest::addColumn<QString>("fixture"); // how to spoil the file
    QTest::newRow("garbage bytes") << QStringLiteral("garbage");
    QTest::newRow("another application's database") << QStringLiteral("PRAGMA application_id=1");
    QTest::newRow("an older format than 2") << QStringLiteral("PRAGMA user_version=1");
    QTest::newRow("plain SQLite with tables") << QStringLiteral("other");
}

void tst_Catalogue::unusableFileIsMovedAside()
{
    QFETCH(QString, fixture);
    store(makeEntry(QStringLiteral("k"), "d1"));
    m_c->close();
    if (fixture == QLatin1String("garbage")) {
        QFile::remove(path() + QLatin1String("-wal"));
        QFile::remove(path() + QLatin1String("-shm"));
        QFile f(path());
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write(QByteArray(8192, 'x'));
    } else if (fixture == QLatin1String("other")) {
        QVERIFY(QFile::remove(path()));
        QFile::remove(path() + QLatin1String("-wal"));
        QFile::remove(path() + QLatin1String("-shm"));
        RawConnection raw(path());
        QVERIFY(raw.exec(QStringLiteral("CREATE TABLE notes (text TEXT)")));
    } else {
        RawConnection raw(path());
        QVERIFY(raw.exec(fixture));
    }

    bool wasReset = false;
    QVERIFY2(m_c->open(path(), &wasReset), qPrintable(m_c->errorString()));
    QVERIFY(wasReset);
    QVERIFY(QFile::exists(path() + QLatin1String(".corrupt.1")));
    QVERIFY(!m_c->find(QStringLiteral("k")));
    QCOMPARE(m_c->counts().entries, 0);
    store(makeEntry(QStringLiteral("k2"), "d2")); // and it is a working catalogue again
    QCOMPARE(m_c->counts().entries, 1);
}

void tst_Catalogue::transactionRollsBackUnlessCommitted()
{
    {
        Catalogue::Transaction t(*m_c);
        QVERIFY(t.isActive());
        QVERIFY(m_c->insertBlob(makeBlob("d1", 10, 4096)));
        QVERIFY(m_c->upsertEntry(makeEntry(QStringLiteral("k"), "d1")));
        QVERIFY(m_c->addToTotal(500));
        QVERIFY(m_c->find(QStringLiteral("k")));
    }
    QVERIFY(!m_c->find(QStringLiteral("k")));
    QVERIFY(!m_c->findBlob("d1"));
    QCOMPARE(m_c->totalSize(), 0);

    Catalogue::Transaction t(*m_c);
    QVERIFY(t.commit());
    QVERIFY(!t.isActive());
    QVERIFY(!t.commit()); // once only
}

void tst_Catalogue::upsertFindReplace()
{
    QVERIFY(!m_c->find(QStringLiteral("k")));
    EntryRecord e = makeEntry(QStringLiteral("k"), "d1", 1234);
    e.bodySize = 77;
    e.hits = 3;
    e.rowSize = 150;
    e.contentType = "image/png";
    store(e, 8192);

    const auto found = m_c->find(QStringLiteral("k"));
    QVERIFY(found);
    QCOMPARE(found->key, QStringLiteral("k"));
    QCOMPARE(found->digest, QByteArray("d1"));
    QCOMPARE(found->bodySize, 77);
    QCOMPARE(found->meta, QByteArray("meta:k"));
    QCOMPARE(found->status, 200);
    QCOMPARE(found->contentType, QByteArray("image/png"));
    QCOMPARE(found->expiresMs, 5000);
    QCOMPARE(found->createdMs, 100);
    QCOMPARE(found->lastAccessMs, 1234);
    QCOMPARE(found->hits, 3);
    QCOMPARE(found->rowSize, 150);
    // joined from the body's row
    QCOMPARE(found->allocSize, 8192);
    QCOMPARE(found->chunkSize, 65536u);
    QCOMPARE(found->sums, QByteArray(8, 'c'));

    const auto blob = m_c->findBlob("d1");
    QVERIFY(blob);
    QCOMPARE(blob->digest, QByteArray("d1"));
    QCOMPARE(blob->bodySize, 77);
    QCOMPARE(blob->allocSize, 8192);

    // Same key, another body: one row, the new one.
    EntryRecord newer = makeEntry(QStringLiteral("k"), "d2", 2000);
    newer.meta = "newer";
    store(newer, 4096);
    QCOMPARE(m_c->find(QStringLiteral("k"))->digest, QByteArray("d2"));
    QCOMPARE(m_c->find(QStringLiteral("k"))->meta, QByteArray("newer"));
    QCOMPARE(m_c->count(EntryQuery()), 1);
    QCOMPARE(m_c->counts().blobs, 2); // the old body row is the store's to drop
    QVERIFY(!m_c->isReferenced("d1"));
    QVERIFY(m_c->isReferenced("d2"));
    QCOMPARE(m_c->unreferencedBlobs(), QList<QByteArray> {QByteArray("d1")});
}

void tst_Catalogue::textIsBoundAsItIs_data()
{
    // SqlStatement::bind() narrows ASCII text of up to 512 characters to UTF-8 itself and
    // hands anything else to SQLite as UTF-16: both must store and find the same text.
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("tag");
    const auto url = [](int length) {
        const QString start = QStringLiteral("http://127.0.0.1/");
        return start + QString(length - start.size(), QLatin1Char('p'));
    };
    QTest::newRow("short ASCII") << url(40) << QStringLiteral("t");
    QTest::newRow("511") << url(511) << QString(511, QLatin1Char('t'));
    QTest::newRow("512") << url(512) << QString(512, QLatin1Char('t'));
    QTest::newRow("513") << url(513) << QString(513, QLatin1Char('t'));
    QTest::newRow("4000") << url(4000) << QString(4000, QLatin1Char('t'));
    QTest::newRow("non-ASCII") << QStringLiteral("http://127.0.0.1/caf\u00e9/\u00fc")
                               << QStringLiteral("gr\u00fc\u00dfe");
    QTest::newRow("non-ASCII last of 512") << url(511) + QChar(0xe9) << QStringLiteral("\u00e9");
    QTest::newRow("empty tag") << url(40) << QString(QLatin1String(""));
}

void tst_Catalogue::textIsBoundAsItIs()
{
    QFETCH(QString, key);
    QFETCH(QString, tag);
    store(makeEntry(key, "d1", 1000), 4096, {tag});
    store(makeEntry(key + QLatin1Char('x'), "d1", 1000), 4096);

    const auto found = m_c->find(key);
    QVERIFY(found);
    QCOMPARE(found->key, key);
    QCOMPARE(m_c->tagsOf(key), QStringList {tag});
    QCOMPARE(m_c->keysForTags({tag}), QStringList {key});
    QVERIFY(!m_c->find(key.chopped(1)));
    QCOMPARE(m_c->count(EntryQuery()), 2);
}

void tst_Catalogue::entryNeedsItsBodyRow()
{
    // A row whose body row is gone (no writer leaves one; damage might) is no entry for
    // readers, but eviction still reaches it: it must not hold its share of the budget for
    // ever.
    store(makeEntry(QStringLiteral("k"), "d1"));
    {
        Catalogue::Transaction t(*m_c);
        QVERIFY(m_c->deleteBlob("d1"));
        QVERIFY(t.commit());
    }
    QVERIFY(!m_c->find(QStringLiteral("k")));
    QVERIFY(!m_c->findWithBody(QStringLiteral("k")));
    QVERIFY(!m_c->findAny(QStringLiteral("k")));
    const QList<EntryRecord> victims = m_c->lruVictims(8);
    QCOMPARE(victims.size(), 1);
    QCOMPARE(victims.first().key, QStringLiteral("k"));
    QVERIFY(victims.first().digest.isNull());
    QCOMPARE(victims.first().rowSize, 100);
    {
        Catalogue::Transaction t(*m_c);
        QVERIFY(m_c->deleteEntry(QStringLiteral("k")));
        QVERIFY(t.commit());
    }
    QVERIFY(m_c->lruVictims(8).isEmpty());
}

void tst_Catalogue::deleteAndUpdateMeta()
{
    store(makeEntry(QStringLiteral("k"), "d1"));
    Catalogue::Transaction t(*m_c);
    QVERIFY(m_c->updateMeta(QStringLiteral("k"), "fresh", 9000, 321));
    const auto e = m_c->find(QStringLiteral("k"));
    QCOMPARE(e->meta, QByteArray("fresh"));
    QCOMPARE(e->expiresMs, 9000);
    QCOMPARE(e->rowSize, 321);
    QCOMPARE(e->lastAccessMs, 1000); // untouched
    QVERIFY(!m_c->updateMeta(QStringLiteral("missing"), "x", 1, 1));

    QVERIFY(m_c->deleteEntry(QStringLiteral("k")));
    QVERIFY(!m_c->deleteEntry(QStringLiteral("k"))); // false: nothing was there
    QVERIFY(!m_c->find(QStringLiteral("k")));
    QVERIFY(m_c->findBlob("d1")); // bodies are dropped separately
    QVERIFY(t.commit());
}

void tst_Catalogue::totals()
{
    Catalogue::Transaction t(*m_c);
    QVERIFY(m_c->addToTotal(1000));
    QVERIFY(m_c->addToTotal(-300));
    QCOMPARE(m_c->totalSize(), 700);
    QVERIFY(m_c->addToTotal(0));
    QVERIFY(m_c->addToTotal(-5000)); // never below zero
    QCOMPARE(m_c->totalSize(), 0);
    QVERIFY(t.commit());

    // recomputeTotal(): every body's allocation plus every row's size.
    EntryRecord a = makeEntry(QStringLiteral("a"), "d1");
    a.rowSize = 111;
    EntryRecord b = makeEntry(QStringLiteral("b"), "d1"); // shares the body
    b.rowSize = 222;
    EntryRecord c = makeEntry(QStringLiteral("c"), "d2");
    c.rowSize = 333;
    store(a, 4096);
    store(b, 4096);
    store(c, 8192);
    QCOMPARE(m_c->totalSize(), 0); // the running total is the caller's to keep
    QCOMPARE(m_c->recomputeTotal(), 4096 + 8192 + 111 + 222 + 333);
    QCOMPARE(m_c->totalSize(), 4096 + 8192 + 111 + 222 + 333);
}

void tst_Catalogue::lruOrderFollowsHits()
{
    store(makeEntry(QStringLiteral("c"), "d1", 30));
    store(makeEntry(QStringLiteral("a"), "d1", 10));
    store(makeEntry(QStringLiteral("b"), "d1", 20));
    QCOMPARE(keysOf(m_c->lruVictims(8)), QStringList({u"a"_s, u"b"_s, u"c"_s}));
    QCOMPARE(keysOf(m_c->lruVictims(2)), QStringList({u"a"_s, u"b"_s}));
    QCOMPARE(m_c->lruVictims(1).first().digest, QByteArray("d1"));
    QCOMPARE(m_c->lruVictims(1).first().rowSize, 100);

    Catalogue::Transaction t(*m_c);
    QHash<QString, HitUpdate> hits;
    hits.insert(QStringLiteral("a"), HitUpdate {2, 40});
    hits.insert(QStringLiteral("b"), HitUpdate {1, 5}); // an older time never moves an entry back
    QVERIFY(m_c->applyHits(hits));
    QVERIFY(m_c->applyHits({{QStringLiteral("a"), HitUpdate {3, 35}}}));
    QVERIFY(m_c->applyHits({{QStringLiteral("gone"), HitUpdate {1, 99}}})); // no row: no effect
    QVERIFY(t.commit());
    QCOMPARE(keysOf(m_c->lruVictims(8)), QStringList({u"b"_s, u"c"_s, u"a"_s}));
    QCOMPARE(m_c->find(QStringLiteral("a"))->hits, 5);
    QCOMPARE(m_c->find(QStringLiteral("a"))->lastAccessMs, 40);
    QCOMPARE(m_c->find(QStringLiteral("b"))->hits, 1);
    QCOMPARE(m_c->find(QStringLiteral("b"))->lastAccessMs, 20);
}

void tst_Catalogue::tagsSetReplacedAndDropped()
{
    store(makeEntry(QStringLiteral("k1"), "d1"), 4096, {u"b"_s, u"a"_s, u"a"_s});
    store(makeEntry(QStringLiteral("k2"), "d2"), 4096, {u"a"_s});
    QCOMPARE(m_c->tagsOf(QStringLiteral("k1")),
             QStringList({u"a"_s, u"b"_s})); // sorted, no duplicates
    QStringList keys = m_c->keysForTags({u"a"_s, u"b"_s});
    keys.sort();
    QCOMPARE(keys, QStringList({u"k1"_s, u"k2"_s}));
    QCOMPARE(m_c->keysForTags({}), QStringList());
    QCOMPARE(m_c->keysForTags({u"nope"_s}), QStringList());
    using Count = QPair<QString, qint64>;
    QCOMPARE(m_c->tagCounts(), QList<Count>({{u"a"_s, 2}, {u"b"_s, 1}}));

    // Replaced as a whole.
    {
        Catalogue::Transaction t(*m_c);
        QVERIFY(m_c->setTags(QStringLiteral("k1"), {u"c"_s}));
        QVERIFY(t.commit());
    }
    QCOMPARE(m_c->tagsOf(QStringLiteral("k1")), QStringList {u"c"_s});
    QCOMPARE(m_c->keysForTags({u"b"_s}), QStringList());
    QCOMPARE(m_c->tagCounts(), QList<Count>({{u"a"_s, 1}, {u"c"_s, 1}}));

    // Tags outlive a plain deleteEntry(): an upper tier may still hold the entry.
    {
        Catalogue::Transaction t(*m_c);
        QVERIFY(m_c->deleteEntry(QStringLiteral("k2")));
        QVERIFY(t.commit());
    }
    QCOMPARE(m_c->tagsOf(QStringLiteral("k2")), QStringList {u"a"_s});
    // ... and go with a batch delete.
    {
        Catalogue::Transaction t(*m_c);
        QVERIFY(m_c->deleteEntriesBatch({QStringLiteral("k1"), QStringLiteral("k2")}));
        QVERIFY(t.commit());
    }
    QCOMPARE(m_c->tagsOf(QStringLiteral("k1")), QStringList());
    QCOMPARE(m_c->tagsOf(QStringLiteral("k2")), QStringList());
    QCOMPARE(m_c->tagCounts(), QList<Count>());
}

void tst_Catalogue::invalidationHidesAtOnceDeletesLater()
{
    EntryRecord a = makeEntry(QStringLiteral("a"), "da", 10);
    EntryRecord b = makeEntry(QStringLiteral("b"), "db", 20);
    EntryRecord c = makeEntry(QStringLiteral("c"), "dc", 30);
    b.rowSize = 200;
    store(a, 4096, {u"x"_s});
    store(b, 8192, {u"x"_s, u"y"_s});
    store(c, 4096, {u"y"_s});
    QVERIFY(!m_c->hasInvalidated());
    {
        Catalogue::Transaction t(*m_c);
        QCOMPARE(m_c->invalidateTags({}), 0);
        QCOMPARE(m_c->invalidateTags({u"x"_s}), 2);
        QCOMPARE(m_c->invalidateTags({u"x"_s}), 0); // already gone for readers
        QVERIFY(t.commit());
    }
    // Gone for every read at once...
    QVERIFY(m_c->hasInvalidated());
    QVERIFY(!m_c->find(QStringLiteral("a")));
    QVERIFY(!m_c->find(QStringLiteral("b")));
    QVERIFY(m_c->find(QStringLiteral("c")));
    QCOMPARE(keysOf(m_c->query(EntryQuery(), 0, -1)), QStringList {u"c"_s});
    QCOMPARE(m_c->count(EntryQuery()), 1);
    QCOMPARE(m_c->counts().entries, 1);
    QCOMPARE(keysOf(m_c->lruVictims(8)), QStringList {u"c"_s});
    QCOMPARE(m_c->tagsOf(QStringLiteral("b")), QStringList());
    QCOMPARE(m_c->keysForTags({u"x"_s, u"y"_s}), QStringList {u"c"_s});
    using Count = QPair<QString, qint64>;
    QCOMPARE(m_c->tagCounts(), QList<Count>({{u"y"_s, 1}}));
    QVERIFY(!m_c->updateMeta(QStringLiteral("a"), "m", 1, 1));
    // ... while the rows stay for the paths that replace or delete them.
    QCOMPARE(m_c->findAny(QStringLiteral("a"))->key, QStringLiteral("a"));
    QCOMPARE(m_c->counts().blobs, 3);

    // Deleted in steps.
    Catalogue::Transaction t(*m_c);
    const auto first = m_c->deleteInvalidated(1);
    QVERIFY(first);
    QCOMPARE(first->entries, 1);
    QVERIFY(m_c->hasInvalidated());
    const auto second = m_c->deleteInvalidated(10);
    QVERIFY(second);
    QCOMPARE(second->entries, 1);
    // rows (100 + 200) and both bodies (4096 + 8192): no other entry used them
    QCOMPARE(first->freedBytes + second->freedBytes, 100 + 200 + 4096 + 8192);
    QVERIFY(!m_c->hasInvalidated());
    QVERIFY(t.commit());
    QVERIFY(!m_c->findAny(QStringLiteral("a")));
    QVERIFY(!m_c->findAny(QStringLiteral("b")));
    QVERIFY(!m_c->findBlob("da"));
    QVERIFY(!m_c->findBlob("db"));
    QList<QByteArray> tombstones = m_c->garbage(10);
    std::sort(tombstones.begin(), tombstones.end());
    QCOMPARE(tombstones, QList<QByteArray>({"da", "db"}));
    QCOMPARE(m_c->tagsOf(QStringLiteral("c")), QStringList {u"y"_s});
}

void tst_Catalogue::newVersionRevivesInvalidatedKey()
{
    store(makeEntry(QStringLiteral("a"), "d1"), 4096, {u"x"_s});
    {
        Catalogue::Transaction t(*m_c);
        QCOMPARE(m_c->invalidateTags({u"x"_s}), 1);
        QVERIFY(t.commit());
    }
    // A new version stored before the old row was deleted: it lives, without the old tags.
    store(makeEntry(QStringLiteral("a"), "d2"));
    QCOMPARE(m_c->find(QStringLiteral("a"))->digest, QByteArray("d2"));
    QVERIFY(!m_c->hasInvalidated());
    QCOMPARE(m_c->tagsOf(QStringLiteral("a")), QStringList());
    Catalogue::Transaction t(*m_c);
    QCOMPARE(m_c->deleteInvalidated(10)->entries, 0);
    QVERIFY(t.commit());
    QVERIFY(m_c->find(QStringLiteral("a")));
}

void tst_Catalogue::expireKeys()
{
    store(makeEntry(QStringLiteral("a"), "d1"));
    store(makeEntry(QStringLiteral("b"), "d1"));
    Catalogue::Transaction t(*m_c);
    QVERIFY(m_c->expireKeys({QStringLiteral("a"), QStringLiteral("missing")}));
    QVERIFY(t.commit());
    QCOMPARE(m_c->find(QStringLiteral("a"))->expiresMs, 0);
    QCOMPARE(m_c->find(QStringLiteral("b"))->expiresMs, 5000);
}

void tst_Catalogue::tombstones()
{
    Catalogue::Transaction t(*m_c);
    QVERIFY(m_c->addGarbage("d1"));
    QVERIFY(m_c->addGarbage("d1")); // once only
    QVERIFY(m_c->addGarbage("d2"));
    QVERIFY(m_c->addGarbage("d3"));
    QCOMPARE(m_c->garbage(10).size(), 3);
    QCOMPARE(m_c->garbage(2).size(), 2);
    QVERIFY(m_c->removeGarbage("d2"));
    QVERIFY(m_c->removeGarbage("never there"));
    QList<QByteArray> left = m_c->garbage(10);
    std::sort(left.begin(), left.end());
    QCOMPARE(left, QList<QByteArray>({"d1", "d3"}));
    QVERIFY(t.commit());
}

void tst_Catalogue::batchDeleteFreesSharedBodyOnlyWithLastEntry()
{
    EntryRecord a = makeEntry(QStringLiteral("a"), "shared");
    EntryRecord b = makeEntry(QStringLiteral("b"), "shared");
    a.rowSize = 110;
    b.rowSize = 120;
    store(a, 4096);
    store(b, 4096);
    Catalogue::Transaction t(*m_c);
    auto r = m_c->deleteEntriesBatch({QStringLiteral("a"), QStringLiteral("nope")});
    QVERIFY(r);
    QCOMPARE(r->entries, 1);
    QCOMPARE(r->freedBytes, 110); // the body is still used by b
    QVERIFY(m_c->findBlob("shared"));
    QVERIFY(m_c->garbage(10).isEmpty());

    r = m_c->deleteEntriesBatch({QStringLiteral("b")});
    QVERIFY(r);
    QCOMPARE(r->entries, 1);
    QCOMPARE(r->freedBytes, 120 + 4096);
    QVERIFY(!m_c->findBlob("shared"));
    QCOMPARE(m_c->garbage(10), QList<QByteArray> {"shared"});
    QCOMPARE(m_c->deleteEntriesBatch({})->entries, 0);
    QVERIFY(t.commit());
}

void tst_Catalogue::clearToGarbage()
{
    store(makeEntry(QStringLiteral("a"), "d1"), 4096, {u"x"_s});
    store(makeEntry(QStringLiteral("b"), "d2"), 4096, {u"y"_s});
    {
        Catalogue::Transaction t(*m_c);
        QCOMPARE(m_c->invalidateTags({u"y"_s}), 1);
        QVERIFY(m_c->addToTotal(9999));
        QVERIFY(t.commit());
    }
    Catalogue::Transaction t(*m_c);
    QVERIFY(m_c->clearToGarbage());
    QVERIFY(t.commit());
    QCOMPARE(m_c->counts().entries, 0);
    QCOMPARE(m_c->counts().blobs, 0);
    QVERIFY(!m_c->findAny(QStringLiteral("b")));
    QVERIFY(!m_c->hasInvalidated());
    QCOMPARE(m_c->tagCounts().size(), 0);
    QCOMPARE(m_c->totalSize(), 0);
    QList<QByteArray> tombstones = m_c->garbage(10);
    std::sort(tombstones.begin(), tombstones.end());
    QCOMPARE(tombstones, QList<QByteArray>({"d1", "d2"}));
}

void tst_Catalogue::countersAndSeries()
{
    EntryRecord e = makeEntry(QStringLiteral("a"), "d1");
    e.bodySize = 10;
    e.hits = 4;
    store(e);
    e = makeEntry(QStringLiteral("b"), "d2");
    e.bodySize = 30;
    e.hits = 1;
    store(e);
    const Catalogue::Counts counts = m_c->counts();
    QCOMPARE(counts.entries, 2);
    QCOMPARE(counts.blobs, 2);
    QCOMPARE(counts.bodyBytes, 40);
    QCOMPARE(counts.hits, 5);

    {
        Catalogue::Transaction t(*m_c);
        QHash<QString, qint64> deltas {{u"hits"_s, 2}, {u"misses"_s, 0}, {u"stores"_s, 1}};
        QVERIFY(m_c->addCounters(deltas, 100));
        QVERIFY(m_c->addCounters({{u"hits"_s, 3}}, 101));
        QVERIFY(t.commit());
    }
    const QHash<QString, qint64> expected {{u"hits"_s, 5},
                                           {u"stores"_s, 1}}; // zero deltas are no rows
    QCOMPARE(m_c->counters(), expected);

    auto seriesText = [this](qint64 since) {
        QStringList points;
        for (const Catalogue::SeriesPoint &p : m_c->series(since))
            points.append(QStringLiteral("%1 %2=%3").arg(p.minute).arg(p.name).arg(p.value));
        std::stable_sort(points.begin(), points.end()); // the order within a minute is open
        return points;
    };
    QCOMPARE(seriesText(0), QStringList({u"100 hits=2"_s, u"100 stores=1"_s, u"101 hits=3"_s}));
    QCOMPARE(seriesText(101), QStringList({u"101 hits=3"_s}));

    {
        Catalogue::Transaction t(*m_c);
        QVERIFY(m_c->pruneSeries(101));
        QVERIFY(t.commit());
    }
    QCOMPARE(seriesText(0), QStringList({u"101 hits=3"_s}));
    QCOMPARE(m_c->counters(), expected); // pruning the series keeps the totals

    {
        Catalogue::Transaction t(*m_c);
        QVERIFY(m_c->resetStatistics());
        QVERIFY(t.commit());
    }
    QVERIFY(m_c->counters().isEmpty());
    QVERIFY(seriesText(0).isEmpty());
    QCOMPARE(m_c->counts().hits, 0);
    QCOMPARE(m_c->find(QStringLiteral("a"))->hits, 0);
    QCOMPARE(m_c->counts().entries, 2);
}

void tst_Catalogue::query_data()
{
    QTest::addColumn<QString>("urlContains");
    QTest::addColumn<QString>("tag");
    QTest::addColumn<QString>("contentType");
    QTest::addColumn<int>("expired");
    QTest::addColumn<int>("order");
    QTest::addColumn<int>("offset");
    QTest::addColumn<int>("limit");
    QTest::addColumn<QStringList>("expected");
    QTest::addColumn<int>("count"); // count() ignores offset and limit

    using O = EntryQuery::Order;
    const QString none;
    // Rows (see query()): key, content type, expires, created, last access, hits, body size, tags
    //   http://a/1  text/html   expired  created 1  used 40  hits 5  size 300  [news]
    //   http://a/2  image/png   fresh    created 2  used 10  hits 5  size 100  [news, img]
    //   http://b/3  image/jpeg  fresh    created 3  used 30  hits 0  size 500  []
    //   http://b/4  text/css    expired  created 4  used 20  hits 9  size 200  [img]
    const QStringList all {u"http://a/1"_s, u"http://b/3"_s, u"http://b/4"_s, u"http://a/2"_s};
    QTest::newRow("everything, recently used first")
            << none << none << none << 0 << int(O::RecentlyUsed) << 0 << -1 << all << 4;
    QTest::newRow("most hits, ties by last use")
            << none << none << none << 0 << int(O::MostHits) << 0 << -1
            << QStringList {u"http://b/4"_s, u"http://a/1"_s, u"http://a/2"_s, u"http://b/3"_s}
            << 4;
    QTest::newRow("largest") << none << none << none << 0 << int(O::Largest) << 0 << -1
                             << QStringList {u"http://b/3"_s, u"http://a/1"_s, u"http://b/4"_s,
                                             u"http://a/2"_s}
                             << 4;
    QTest::newRow("oldest") << none << none << none << 0 << int(O::Oldest) << 0 << -1
                            << QStringList {u"http://a/1"_s, u"http://a/2"_s, u"http://b/3"_s,
                                            u"http://b/4"_s}
                            << 4;
    QTest::newRow("by key, paged") << none << none << none << 0 << int(O::Key) << 1 << 2
                                   << QStringList {u"http://a/2"_s, u"http://b/3"_s} << 4;
    QTest::newRow("negative offset is zero") << none << none << none << 0 << int(O::Key) << -5 << 1
                                             << QStringList {u"http://a/1"_s} << 4;
    QTest::newRow("url contains") << QStringLiteral("b/") << none << none << 0 << int(O::Key) << 0
                                  << -1 << QStringList {u"http://b/3"_s, u"http://b/4"_s} << 2;
    QTest::newRow("tag") << none << QStringLiteral("img") << none << 0 << int(O::Key) << 0 << -1
                         << QStringList {u"http://a/2"_s, u"http://b/4"_s} << 2;
    QTest::newRow("content type prefix")
            << none << none << QStringLiteral("image/") << 0 << int(O::Key) << 0 << -1
            << QStringList {u"http://a/2"_s, u"http://b/3"_s} << 2;
    QTest::newRow("expired only") << none << none << none << 1 << int(O::Key) << 0 << -1
                                  << QStringList {u"http://a/1"_s, u"http://b/4"_s} << 2;
    QTest::newRow("fresh only") << none << none << none << -1 << int(O::Key) << 0 << -1
                                << QStringList {u"http://a/2"_s, u"http://b/3"_s} << 2;
    QTest::newRow("filters combine")
            << QStringLiteral("a/") << QStringLiteral("news") << QStringLiteral("text/") << 1
            << int(O::Key) << 0 << -1 << QStringList {u"http://a/1"_s} << 1;
    QTest::newRow("nothing matches") << QStringLiteral("zzz") << none << none << 0 << int(O::Key)
                                     << 0 << -1 << QStringList() << 0;
}

void tst_Catalogue::query()
{
    QFETCH(QString, urlContains);
    QFETCH(QString, tag);
    QFETCH(QString, contentType);
    QFETCH(int, expired);
    QFETCH(int, order);
    QFETCH(int, offset);
    QFETCH(int, limit);
    QFETCH(QStringList, expected);
    QFETCH(int, count);

    constexpr qint64 Now = 1000;
    struct Row
    {
        const char *key, *type;
        qint64 expires, created, used, hits, size;
        QStringList tags;
    };
    const Row rows[] = {
            {"http://a/1", "text/html", Now, 1, 40, 5, 300, {u"news"_s}},
            {"http://a/2", "image/png", Now + 1, 2, 10, 5, 100, {u"news"_s, u"img"_s}},
            {"http://b/3", "image/jpeg", Now + 60000, 3, 30, 0, 500, {}},
            {"http://b/4", "text/css", 0, 4, 20, 9, 200, {u"img"_s}},
    };
    for (const Row &r : rows) {
        EntryRecord e = makeEntry(QString::fromLatin1(r.key), QByteArray("d-") + r.key, r.used);
        e.contentType = r.type;
        e.expiresMs = r.expires;
        e.createdMs = r.created;
        e.hits = r.hits;
        e.bodySize = r.size;
        store(e, 4096, r.tags);
    }
    // An invalidated entry that matches everything is never listed.
    EntryRecord hidden = makeEntry(QStringLiteral("http://a/b/hidden"), "dh", 50);
    hidden.contentType = "image/text";
    hidden.hits = 99;
    store(hidden, 4096, {u"news"_s, u"img"_s, u"gone"_s});
    {
        Catalogue::Transaction t(*m_c);
        QCOMPARE(m_c->invalidateTags({u"gone"_s}), 1);
        QVERIFY(t.commit());
    }

    EntryQuery filter;
    filter.urlContains = urlContains;
    filter.tag = tag;
    filter.contentType = contentType;
    filter.expired = expired;
    filter.nowMs = Now;
    filter.order = EntryQuery::Order(order);
    const QList<EntryRecord> found = m_c->query(filter, offset, limit);
    QCOMPARE(keysOf(found), expected);
    QCOMPARE(m_c->count(filter), count);
    if (!found.isEmpty()) // full rows, body columns included
        QCOMPARE(found.first().allocSize, 4096);
}

void tst_Catalogue::noWaitGivesUpOnATakenLock()
{
    Catalogue other;
    bool wasReset = true;
    QVERIFY(other.open(path(), &wasReset));
    QVERIFY(!wasReset);

    Catalogue::Transaction holder(*m_c);
    QVERIFY(holder.isActive());
    QVERIFY(m_c->insertBlob(makeBlob("d1", 10, 4096)));
    {
        QElapsedTimer clock;
        clock.start();
        Catalogue::Transaction t(other, Catalogue::Transaction::Lock::NoWait);
        QVERIFY(!t.isActive());
        QVERIFY(t.busy());
        QVERIFY(!t.commit());
        // At once, not after the 10 s busy timeout.
        QVERIFY2(clock.elapsed() < 2000, qPrintable(QString::number(clock.elapsed())));
    }
    QVERIFY(other.errorString().isEmpty()); // busy is not an error
    QVERIFY(!other.corrupted());
    QVERIFY(other.takeLockWasBusy());
    QVERIFY(!other.takeLockWasBusy()); // reported once
    QVERIFY(!m_c->takeLockWasBusy());
    QVERIFY(!other.findBlob("d1")); // reading is never blocked, and sees only commits
    QVERIFY(holder.commit());

    Catalogue::Transaction t(other, Catalogue::Transaction::Lock::NoWait);
    QVERIFY(t.isActive());
    QVERIFY(!t.busy());
    QVERIFY(other.findBlob("d1"));
    QVERIFY(t.commit());
    QVERIFY(!other.takeLockWasBusy());
}

void tst_Catalogue::dataVersionSeesOtherConnections()
{
    Catalogue other;
    bool wasReset = true;
    QVERIFY(other.open(path(), &wasReset));
    const qint64 before = m_c->dataVersion();
    QVERIFY(before >= 0);
    QCOMPARE(m_c->dataVersion(), before); // nothing happened
    store(makeEntry(QStringLiteral("own"), "d1"));
    QCOMPARE(m_c->dataVersion(), before); // our own commits do not count
    {
        Catalogue::Transaction t(other);
        QVERIFY(other.upsertEntry(makeEntry(QStringLiteral("theirs"), "d1")));
        QVERIFY(t.commit());
    }
    QVERIFY(m_c->dataVersion() != before);
    QVERIFY(m_c->find(QStringLiteral("theirs")));
}

QTEST_GUILESS_MAIN(tst_Catalogue)
#include "tst_catalogue.moc"
