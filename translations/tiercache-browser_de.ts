<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE">
<context>
    <name>main</name>
    <message>
        <source>Browse the entries, tags and statistics of a Tiercache cache directory.</source>
        <translation>Einträge, Tags und Statistiken eines Tiercache-Cache-Verzeichnisses ansehen.</translation>
    </message>
    <message>
        <source>The cache directory to open.</source>
        <translation>Das zu öffnende Cache-Verzeichnis.</translation>
    </message>
    <message>
        <source>Fill a demo cache from a loopback site, then open it.</source>
        <translation>Einen Demo-Cache von einer lokalen Website füllen und dann öffnen.</translation>
    </message>
    <message>
        <source>Where the demo cache is made (emptied first).</source>
        <translation>Wo der Demo-Cache angelegt wird (wird zuerst geleert).</translation>
    </message>
    <message>
        <source>Write a PNG of each view into dir and exit (the default without a display).</source>
        <translation>Von jeder Ansicht ein PNG in dir schreiben und beenden (Standard ohne Bildschirm).</translation>
    </message>
    <message>
        <source>Open this tier chain read-only (specs separated by commas, first tier first, e.g. redis://127.0.0.1:6379/0); with disk: it uses cache-dir.</source>
        <translation>Diese Stufenkette nur lesend öffnen (Angaben durch Kommas getrennt, erste Stufe zuerst, z. B. redis://127.0.0.1:6379/0); mit disk: wird cache-dir verwendet.</translation>
    </message>
</context>
<context>
    <name>tiercache::browser::CacheJob</name>
    <message>
        <source>Cannot open the cache: %1</source>
        <translation>Der Cache kann nicht geöffnet werden: %1</translation>
    </message>
    <message>
        <source>Garbage collected: %1 reclaimed.</source>
        <translation>Aufgeräumt: %1 freigegeben.</translation>
    </message>
    <message numerus="yes">
        <source>Cache cleared: %n entries removed.</source>
        <translation>
            <numerusform>Cache geleert: %n Eintrag entfernt.</numerusform>
            <numerusform>Cache geleert: %n Einträge entfernt.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Cancelled: %n entries deleted.</source>
        <translation>
            <numerusform>Abgebrochen: %n Eintrag gelöscht.</numerusform>
            <numerusform>Abgebrochen: %n Einträge gelöscht.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n entries deleted.</source>
        <translation>
            <numerusform>%n Eintrag gelöscht.</numerusform>
            <numerusform>%n Einträge gelöscht.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Verification cancelled after %n bodies.</source>
        <translation>
            <numerusform>Prüfung nach %n Inhalt abgebrochen.</numerusform>
            <numerusform>Prüfung nach %n Inhalten abgebrochen.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n bodies verified</source>
        <translation>
            <numerusform>%n Inhalt geprüft</numerusform>
            <numerusform>%n Inhalte geprüft</numerusform>
        </translation>
    </message>
    <message>
        <source>all intact.</source>
        <translation>alle unversehrt.</translation>
    </message>
    <message numerus="yes">
        <source>%n damaged</source>
        <translation>
            <numerusform>%n beschädigt</numerusform>
            <numerusform>%n beschädigt</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>, %n entries removed.</source>
        <translation>
            <numerusform>, %n Eintrag entfernt.</numerusform>
            <numerusform>, %n Einträge entfernt.</numerusform>
        </translation>
    </message>
    <message>
        <source> (kept: read-only).</source>
        <translation> (behalten: nur lesend geöffnet).</translation>
    </message>
    <message>
        <source>Cannot write %1: %2</source>
        <translation>%1 kann nicht geschrieben werden: %2</translation>
    </message>
    <message>
        <source>Export cancelled; nothing written.</source>
        <translation>Export abgebrochen; nichts geschrieben.</translation>
    </message>
    <message numerus="yes">
        <source>%n entries exported to %1.</source>
        <translation>
            <numerusform>%n Eintrag nach %1 exportiert.</numerusform>
            <numerusform>%n Einträge nach %1 exportiert.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>tiercache::browser::EntriesModel</name>
    <message>
        <source>%1 (stale)</source>
        <translation>%1 (veraltet)</translation>
    </message>
    <message>
        <source>%1 (fresh)</source>
        <translation>%1 (frisch)</translation>
    </message>
    <message>
        <source>URL</source>
        <translation>URL</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Content type</source>
        <translation>Inhaltstyp</translation>
    </message>
    <message>
        <source>Body size</source>
        <translation>Inhaltsgröße</translation>
    </message>
    <message>
        <source>Stored size</source>
        <translation>Belegter Platz</translation>
    </message>
    <message>
        <source>Stored at</source>
        <translation>Gespeichert am</translation>
    </message>
    <message>
        <source>Expires</source>
        <translation>Läuft ab</translation>
    </message>
    <message>
        <source>Last access</source>
        <translation>Letzter Zugriff</translation>
    </message>
    <message>
        <source>Hits</source>
        <translation>Treffer</translation>
    </message>
    <message>
        <source>Tags</source>
        <translation>Tags</translation>
    </message>
</context>
<context>
    <name>tiercache::browser::EntryDetails</name>
    <message>
        <source>Copy URL</source>
        <translation>URL kopieren</translation>
    </message>
    <message>
        <source>Save body…</source>
        <translation>Inhalt speichern …</translation>
    </message>
    <message>
        <source>No entry selected</source>
        <translation>Kein Eintrag ausgewählt</translation>
    </message>
    <message>
        <source>Select an entry to see what is stored for it.</source>
        <translation>Wählen Sie einen Eintrag, um zu sehen, was dafür gespeichert ist.</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Content type</source>
        <translation>Inhaltstyp</translation>
    </message>
    <message>
        <source>Body size</source>
        <translation>Inhaltsgröße</translation>
    </message>
    <message>
        <source>Stored size</source>
        <translation>Belegter Platz</translation>
    </message>
    <message>
        <source>Stored at</source>
        <translation>Gespeichert am</translation>
    </message>
    <message>
        <source>Last access</source>
        <translation>Letzter Zugriff</translation>
    </message>
    <message>
        <source>Hits</source>
        <translation>Treffer</translation>
    </message>
    <message>
        <source>Tags</source>
        <translation>Tags</translation>
    </message>
    <message>
        <source>Digest (SHA-256)</source>
        <translation>Prüfsumme (SHA-256)</translation>
    </message>
    <message>
        <source>Freshness</source>
        <translation>Frische</translation>
    </message>
    <message>
        <source>Stored headers</source>
        <translation>Gespeicherte Header</translation>
    </message>
    <message>
        <source>Preview of the first %1</source>
        <translation>Vorschau der ersten %1</translation>
    </message>
    <message>
        <source>Whole body</source>
        <translation>Ganzer Inhalt</translation>
    </message>
    <message>
        <source>s-maxage=%1 in Cache-Control</source>
        <translation>s-maxage=%1 in Cache-Control</translation>
    </message>
    <message>
        <source>max-age=%1 in Cache-Control</source>
        <translation>max-age=%1 in Cache-Control</translation>
    </message>
    <message>
        <source>Expires minus Date</source>
        <translation>Expires minus Date</translation>
    </message>
    <message>
        <source>heuristic: 10 % of the time since Last-Modified</source>
        <translation>Heuristik: 10 % der Zeit seit Last-Modified</translation>
    </message>
    <message>
        <source>no freshness information: the policy&apos;s default</source>
        <translation>keine Frische-Angabe: Vorgabe der Richtlinie</translation>
    </message>
    <message>
        <source>Age %1 s (stored %2 s ago, Age header %3 s); lifetime %4 s from %5.</source>
        <translation>Alter %1 s (vor %2 s gespeichert, Age-Header %3 s); Lebensdauer %4 s aus %5.</translation>
    </message>
    <message>
        <source>Stale since %1 s: the next request revalidates it with the origin.</source>
        <translation>Seit %1 s veraltet: die nächste Anfrage prüft ihn beim Ursprungsserver nach.</translation>
    </message>
    <message>
        <source>Fresh for another %1 s: served without asking the origin.</source>
        <translation>Noch %1 s frisch: wird ohne Rückfrage beim Ursprungsserver ausgeliefert.</translation>
    </message>
    <message>
        <source>Save body</source>
        <translation>Inhalt speichern</translation>
    </message>
    <message>
        <source>Could not save %1: %2</source>
        <translation>%1 konnte nicht gespeichert werden: %2</translation>
    </message>
    <message>
        <source>Shared body</source>
        <translation>Geteilter Inhalt</translation>
    </message>
    <message numerus="yes">
        <source>%n entries (this one included) share this body, stored once.</source>
        <translation>
            <numerusform>%n Eintrag (dieser eingeschlossen) teilt diesen einmal gespeicherten Inhalt.</numerusform>
            <numerusform>%n Einträge (dieser eingeschlossen) teilen diesen einmal gespeicherten Inhalt.</numerusform>
        </translation>
    </message>
    <message>
        <source>Only this entry uses this body.</source>
        <translation>Nur dieser Eintrag nutzt diesen Inhalt.</translation>
    </message>
    <message>
        <source>Expires</source>
        <translation>Läuft ab</translation>
    </message>
    <message>
        <source>(stale)</source>
        <translation>(veraltet)</translation>
    </message>
    <message>
        <source>(fresh)</source>
        <translation>(frisch)</translation>
    </message>
    <message>
        <source>No preview: the body could not be read.</source>
        <translation>Keine Vorschau: der Inhalt konnte nicht gelesen werden.</translation>
    </message>
    <message>
        <source>The entry is gone.</source>
        <translation>Der Eintrag ist nicht mehr vorhanden.</translation>
    </message>
    <message>
        <source>Nothing is open.</source>
        <translation>Nichts ist geöffnet.</translation>
    </message>
    <message>
        <source>The stored body is damaged (%1); nothing was saved.</source>
        <translation>Der gespeicherte Inhalt ist beschädigt (%1); es wurde nichts gespeichert.</translation>
    </message>
    <message>
        <source>it ended early</source>
        <translation>er endet zu früh</translation>
    </message>
    <message>
        <source>The stored body has %1 bytes instead of %2; nothing was saved.</source>
        <translation>Der gespeicherte Inhalt hat %1 Bytes statt %2; es wurde nichts gespeichert.</translation>
    </message>
    <message>
        <source>Saving…</source>
        <translation>Speichern…</translation>
    </message>
</context>
<context>
    <name>tiercache::browser::MainWindow</name>
    <message>
        <source>Tiercache Browser</source>
        <translation>Tiercache-Browser</translation>
    </message>
    <message>
        <source>&amp;Entries</source>
        <translation>&amp;Einträge</translation>
    </message>
    <message>
        <source>&amp;Tags</source>
        <translation>&amp;Tags</translation>
    </message>
    <message>
        <source>&amp;Statistics</source>
        <translation>&amp;Statistik</translation>
    </message>
    <message>
        <source>Tiers &amp;&amp; &amp;plugins</source>
        <translation>Stufen &amp;&amp; &amp;Plugins</translation>
    </message>
    <message>
        <source>Open a cache directory with File ▸ Open (Ctrl+O).</source>
        <translation>Öffnen Sie ein Cache-Verzeichnis mit Datei ▸ Öffnen (Strg+O).</translation>
    </message>
    <message>
        <source>Filter by URL (Ctrl+F)</source>
        <translation>Nach URL filtern (Strg+F)</translation>
    </message>
    <message>
        <source>Any type</source>
        <translation>Alle Typen</translation>
    </message>
    <message>
        <source>Text</source>
        <translation>Text</translation>
    </message>
    <message>
        <source>Images</source>
        <translation>Bilder</translation>
    </message>
    <message>
        <source>JSON</source>
        <translation>JSON</translation>
    </message>
    <message>
        <source>Other applications</source>
        <translation>Andere Anwendungsdaten</translation>
    </message>
    <message>
        <source>Fresh and stale</source>
        <translation>Frisch und veraltet</translation>
    </message>
    <message>
        <source>Fresh only</source>
        <translation>Nur frische</translation>
    </message>
    <message>
        <source>Stale only</source>
        <translation>Nur veraltete</translation>
    </message>
    <message>
        <source>Any tag</source>
        <translation>Alle Tags</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>&amp;Datei</translation>
    </message>
    <message>
        <source>&amp;Open Cache…</source>
        <translation>Cache ö&amp;ffnen …</translation>
    </message>
    <message>
        <source>Open &amp;Recent</source>
        <translation>&amp;Zuletzt geöffnet</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>&amp;Beenden</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>&amp;Ansicht</translation>
    </message>
    <message>
        <source>&amp;Refresh</source>
        <translation>A&amp;ktualisieren</translation>
    </message>
    <message>
        <source>&amp;Filter Entries</source>
        <translation>Einträge &amp;filtern</translation>
    </message>
    <message>
        <source>&amp;Cache</source>
        <translation>&amp;Cache</translation>
    </message>
    <message>
        <source>&amp;Allow Changes</source>
        <translation>Änderungen &amp;erlauben</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>&amp;Hilfe</translation>
    </message>
    <message>
        <source>&amp;About Tiercache Browser</source>
        <translation>Über Tiercache-&amp;Browser</translation>
    </message>
    <message>
        <source>About &amp;Qt</source>
        <translation>Über &amp;Qt</translation>
    </message>
    <message>
        <source>Main</source>
        <translation>Haupt</translation>
    </message>
    <message>
        <source>Cannot open %1 as a Tiercache cache:

%2

Nothing in it was changed.</source>
        <translation>%1 kann nicht als Tiercache-Cache geöffnet werden:

%2

Darin wurde nichts verändert.</translation>
    </message>
    <message>
        <source>%1 — Tiercache Browser</source>
        <translation>%1 — Tiercache-Browser</translation>
    </message>
    <message>
        <source>Allow Changes</source>
        <translation>Änderungen erlauben</translation>
    </message>
    <message>
        <source>The cache cannot be opened for writing: %1</source>
        <translation>Der Cache kann nicht zum Schreiben geöffnet werden: %1</translation>
    </message>
    <message>
        <source>Allow changes to this cache? Invalidating tags and other actions will modify the directory, also for every other process using it.</source>
        <translation>Änderungen an diesem Cache erlauben? Das Invalidieren von Tags und andere Aktionen verändern das Verzeichnis, auch für jeden anderen Prozess, der es nutzt.</translation>
    </message>
    <message>
        <source>No cache open</source>
        <translation>Kein Cache geöffnet</translation>
    </message>
    <message numerus="yes">
        <source>%1 of %n entries shown · %2 on disk</source>
        <translation>
            <numerusform>%1 von %n Eintrag angezeigt · %2 belegt</numerusform>
            <numerusform>%1 von %n Einträgen angezeigt · %2 belegt</numerusform>
        </translation>
    </message>
    <message>
        <source>Changes allowed</source>
        <translation>Änderungen erlaubt</translation>
    </message>
    <message>
        <source>Read-only</source>
        <translation>Nur lesen</translation>
    </message>
    <message>
        <source>Open Cache Directory</source>
        <translation>Cache-Verzeichnis öffnen</translation>
    </message>
    <message>
        <source>About Tiercache Browser</source>
        <translation>Über Tiercache-Browser</translation>
    </message>
    <message>
        <source>&lt;h3&gt;Tiercache Browser %1&lt;/h3&gt;&lt;p&gt;Browse the entries, tags and hit statistics of a Tiercache HTTP cache directory, also while another process uses it. It opens caches read-only; changes need Cache ▸ Allow Changes.&lt;/p&gt;&lt;p&gt;MIT licence.&lt;/p&gt;</source>
        <translation>&lt;h3&gt;Tiercache-Browser %1&lt;/h3&gt;&lt;p&gt;Zeigt Einträge, Tags und Trefferstatistiken eines Tiercache-HTTP-Cache-Verzeichnisses, auch während ein anderer Prozess es nutzt. Caches werden nur lesend geöffnet; für Änderungen dient Cache ▸ Änderungen erlauben.&lt;/p&gt;&lt;p&gt;MIT-Lizenz.&lt;/p&gt;</translation>
    </message>
    <message>
        <source>&amp;Verify Integrity…</source>
        <translation>Integrität &amp;prüfen …</translation>
    </message>
    <message>
        <source>&amp;Export Entries…</source>
        <translation>Einträge e&amp;xportieren …</translation>
    </message>
    <message>
        <source>&amp;Delete Selected Entries…</source>
        <translation>Ausgewählte Einträge &amp;löschen …</translation>
    </message>
    <message>
        <source>Collect &amp;Garbage…</source>
        <translation>&amp;Aufräumen …</translation>
    </message>
    <message>
        <source>C&amp;lear Cache…</source>
        <translation>Cache &amp;leeren …</translation>
    </message>
    <message>
        <source>Verifying bodies…</source>
        <translation>Inhalte werden geprüft …</translation>
    </message>
    <message>
        <source>Exporting entries…</source>
        <translation>Einträge werden exportiert …</translation>
    </message>
    <message>
        <source>Deleting entries…</source>
        <translation>Einträge werden gelöscht …</translation>
    </message>
    <message>
        <source>Clearing the cache…</source>
        <translation>Der Cache wird geleert …</translation>
    </message>
    <message>
        <source>Collecting garbage…</source>
        <translation>Es wird aufgeräumt …</translation>
    </message>
    <message numerus="yes">
        <source>Delete the %n selected entries from the cache?</source>
        <translation>
            <numerusform>Den ausgewählten Eintrag aus dem Cache löschen?</numerusform>
            <numerusform>Die %n ausgewählten Einträge aus dem Cache löschen?</numerusform>
        </translation>
    </message>
    <message>
        <source>Delete every entry of this cache? This cannot be undone.</source>
        <translation>Jeden Eintrag dieses Caches löschen? Das lässt sich nicht rückgängig machen.</translation>
    </message>
    <message>
        <source>Reclaim the space of bodies and files no entry refers to?</source>
        <translation>Den Platz von Inhalten und Dateien freigeben, auf die kein Eintrag mehr verweist?</translation>
    </message>
    <message>
        <source>CSV (*.csv)</source>
        <translation>CSV (*.csv)</translation>
    </message>
    <message>
        <source>JSON (*.json)</source>
        <translation>JSON (*.json)</translation>
    </message>
    <message>
        <source>Export Entries</source>
        <translation>Einträge exportieren</translation>
    </message>
    <message>
        <source>Any status</source>
        <translation>Alle Status</translation>
    </message>
    <message>
        <source>HTTP status code</source>
        <translation>HTTP-Statuscode</translation>
    </message>
    <message>
        <source>The tier whose entries are listed</source>
        <translation>Die Stufe, deren Einträge aufgelistet werden</translation>
    </message>
    <message>
        <source>Open &amp;Tier Chain…</source>
        <translation>&amp;Stufenkette öffnen …</translation>
    </message>
    <message>
        <source>no cache directory and no tier chain given</source>
        <translation>weder Cache-Verzeichnis noch Stufenkette angegeben</translation>
    </message>
    <message>
        <source>Open Tier Chain</source>
        <translation>Stufenkette öffnen</translation>
    </message>
    <message>
        <source>Tier specs, first tier first, separated by spaces (e.g. redis://127.0.0.1:6379/0 or sqlite:?path=/tmp/cache.db). The chain is opened read-only, to list what its tiers hold; a chain with disk: uses the open cache directory.</source>
        <translation>Stufenangaben, erste Stufe zuerst, durch Leerzeichen getrennt (z. B. redis://127.0.0.1:6379/0 oder sqlite:?path=/tmp/cache.db). Die Kette wird nur lesend geöffnet, um aufzulisten, was ihre Stufen enthalten; eine Kette mit disk: nutzt das geöffnete Cache-Verzeichnis.</translation>
    </message>
    <message>
        <source>Catalogue</source>
        <translation>Katalog</translation>
    </message>
    <message>
        <source>Tier %1</source>
        <translation>Stufe %1</translation>
    </message>
    <message numerus="yes">
        <source>%n entries listed</source>
        <translation>
            <numerusform>%n Eintrag aufgelistet</numerusform>
            <numerusform>%n Einträge aufgelistet</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 (stale)</source>
        <translation>%1 (veraltet)</translation>
    </message>
</context>
<context>
    <name>tiercache::browser::PluginsPane</name>
    <message>
        <source>Id</source>
        <translation>Kennung</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>API</source>
        <translation>API</translation>
    </message>
    <message>
        <source>State</source>
        <translation>Zustand</translation>
    </message>
    <message>
        <source>Options</source>
        <translation>Optionen</translation>
    </message>
    <message>
        <source>File</source>
        <translation>Datei</translation>
    </message>
    <message>
        <source>Built in: disk. Plugins searched in: %1</source>
        <translation>Eingebaut: disk. Plugins gesucht in: %1</translation>
    </message>
    <message>
        <source>usable</source>
        <translation>nutzbar</translation>
    </message>
    <message>
        <source>failed: %1</source>
        <translation>fehlgeschlagen: %1</translation>
    </message>
</context>
<context>
    <name>tiercache::browser::StatisticsPane</name>
    <message>
        <source>Tier</source>
        <translation>Stufe</translation>
    </message>
    <message>
        <source>Lookups</source>
        <translation>Abfragen</translation>
    </message>
    <message>
        <source>Hits</source>
        <translation>Treffer</translation>
    </message>
    <message>
        <source>Misses</source>
        <translation>Fehlschläge</translation>
    </message>
    <message>
        <source>Promotions</source>
        <translation>Hochstufungen</translation>
    </message>
    <message>
        <source>Writes</source>
        <translation>Schreibvorgänge</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>Größe</translation>
    </message>
    <message>
        <source>Hottest</source>
        <translation>Meistgenutzt</translation>
    </message>
    <message>
        <source>Largest</source>
        <translation>Größte</translation>
    </message>
    <message>
        <source>Hit ratio</source>
        <translation>Trefferquote</translation>
    </message>
    <message>
        <source>Byte hit ratio</source>
        <translation>Byte-Trefferquote</translation>
    </message>
    <message>
        <source>Stale hits</source>
        <translation>Veraltete Treffer</translation>
    </message>
    <message>
        <source>Revalidations</source>
        <translation>Nachprüfungen</translation>
    </message>
    <message>
        <source>Bytes from cache</source>
        <translation>Bytes aus dem Cache</translation>
    </message>
    <message>
        <source>Bytes from network</source>
        <translation>Bytes aus dem Netz</translation>
    </message>
    <message>
        <source>Inserts</source>
        <translation>Einfügungen</translation>
    </message>
    <message>
        <source>Evictions</source>
        <translation>Verdrängungen</translation>
    </message>
    <message>
        <source>Invalidations</source>
        <translation>Invalidierungen</translation>
    </message>
    <message>
        <source>Background refreshes</source>
        <translation>Hintergrund-Aktualisierungen</translation>
    </message>
    <message>
        <source>%1 done, %2 skipped, %3 failed</source>
        <translation>%1 erledigt, %2 übersprungen, %3 fehlgeschlagen</translation>
    </message>
    <message>
        <source>Counters (all processes)</source>
        <translation>Zähler (alle Prozesse)</translation>
    </message>
    <message>
        <source>Last hour</source>
        <translation>Letzte Stunde</translation>
    </message>
    <message>
        <source>Last 6 hours</source>
        <translation>Letzte 6 Stunden</translation>
    </message>
    <message>
        <source>Last 24 hours</source>
        <translation>Letzte 24 Stunden</translation>
    </message>
    <message>
        <source>Per minute</source>
        <translation>Pro Minute</translation>
    </message>
    <message>
        <source>Range:</source>
        <translation>Zeitraum:</translation>
    </message>
    <message>
        <source>Tiers of this window&apos;s cache object</source>
        <translation>Stufen des Cache-Objekts dieses Fensters</translation>
    </message>
    <message>
        <source>Lookups per minute</source>
        <translation>Abfragen pro Minute</translation>
    </message>
    <message>
        <source>Load top entries</source>
        <translation>Meistgenutzte Einträge laden</translation>
    </message>
    <message>
        <source>Oldest</source>
        <translation>Älteste</translation>
    </message>
    <message>
        <source>Stored at</source>
        <translation>Gespeichert am</translation>
    </message>
</context>
<context>
    <name>tiercache::browser::TagsPane</name>
    <message>
        <source>Show entries</source>
        <translation>Einträge zeigen</translation>
    </message>
    <message>
        <source>Invalidate…</source>
        <translation>Invalidieren …</translation>
    </message>
    <message>
        <source>Soft purge…</source>
        <translation>Als veraltet markieren …</translation>
    </message>
    <message>
        <source>Tag</source>
        <translation>Tag</translation>
    </message>
    <message>
        <source>Entries</source>
        <translation>Einträge</translation>
    </message>
    <message>
        <source>Delete every entry carrying the tag (leave read-only mode first)</source>
        <translation>Jeden Eintrag mit diesem Tag löschen (vorher den Nur-lesen-Modus verlassen)</translation>
    </message>
    <message>
        <source>Mark every entry carrying the tag stale (leave read-only mode first)</source>
        <translation>Jeden Eintrag mit diesem Tag als veraltet markieren (vorher den Nur-lesen-Modus verlassen)</translation>
    </message>
    <message>
        <source>Mark every entry tagged “%1” stale? They are revalidated on their next use.</source>
        <translation>Jeden Eintrag mit dem Tag „%1“ als veraltet markieren? Er wird bei der nächsten Nutzung nachgeprüft.</translation>
    </message>
    <message>
        <source>Delete every entry tagged “%1” from the cache? This cannot be undone.</source>
        <translation>Jeden Eintrag mit dem Tag „%1“ aus dem Cache löschen? Das lässt sich nicht rückgängig machen.</translation>
    </message>
    <message>
        <source>Soft purge</source>
        <translation>Als veraltet markieren</translation>
    </message>
    <message>
        <source>Invalidate</source>
        <translation>Invalidieren</translation>
    </message>
    <message numerus="yes">
        <source>%n entries marked stale.</source>
        <translation>
            <numerusform>%n Eintrag als veraltet markiert.</numerusform>
            <numerusform>%n Einträge als veraltet markiert.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n entries deleted.</source>
        <translation>
            <numerusform>%n Eintrag gelöscht.</numerusform>
            <numerusform>%n Einträge gelöscht.</numerusform>
        </translation>
    </message>
    <message>
        <source>Body bytes</source>
        <translation>Inhaltsbytes</translation>
    </message>
</context>
</TS>
