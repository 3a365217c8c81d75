#include "messageid.h"

#include <QRandomGenerator>

QByteArray MessageId::generate(qint64 timeMs)
{
    // ASCII order of the alphabet matches digit order, so fixed-width IDs compare like their times.
    static constexpr char alphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    QByteArray id(22, Qt::Uninitialized);
    quint64 t = quint64(qMax<qint64>(timeMs, 0));
    for (int i = 7; i >= 0; --i) {
        id[i] = alphabet[t % 62];
        t /= 62;
    }
    auto *rng = QRandomGenerator::global();
    for (int i = 8; i < 22; ++i) {
        id[i] = alphabet[rng->bounded(62)];
    }
    return id;
}
