#pragma once

#include <QMetaType>
#include <QString>

// A tag in use and how many messages carry it (MessageStore::tagCounts(); Mailpit's /api/v1/info "Tags").
struct TagCount
{
    QString name;
    qint64 messages = 0;
    bool operator==(const TagCount &other) const = default;
};
Q_DECLARE_METATYPE(TagCount)
