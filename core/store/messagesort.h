#pragma once

#include <Qt>

// How a message list is ordered. The default, newest first, is the order every fast path of the store serves.
struct MessageSort
{
    enum class Key { Received, From, To, Subject, Size };
    Key key = Key::Received;
    Qt::SortOrder order = Qt::DescendingOrder;

    bool isDefault() const { return key == Key::Received && order == Qt::DescendingOrder; }
    bool operator==(const MessageSort &other) const = default;
};
