// SPDX-License-Identifier: MIT
#pragma once

#include <QtWidgets/QWidget>

QT_BEGIN_NAMESPACE
class QLabel;
class QTableWidget;
QT_END_NAMESPACE

namespace tiercache::browser {

/*
    Every tier plugin on the search path with its metadata, its options and whether it can
    be used; a plugin that failed shows the loader's reason, in red, so a broken deployment
    explains itself.
*/
class PluginsPane : public QWidget
{
    Q_OBJECT
public:
    explicit PluginsPane(QWidget *parent = nullptr);
    void refresh();
    int pluginCount() const;

private:
    QLabel *m_searchPath;
    QTableWidget *m_table;
};

} // namespace tiercache::browser
