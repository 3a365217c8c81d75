#include "messageid.h"

#include <QRandomGenerator>

QByteArray MessageId::generate()
{
    static constexpr char alphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    QByteArray id(22, Qt::Uninitialized);
    auto *rng = QRandomGenerator::global();
    for (char &c : id) {
        c = alphabet[rng->bounded(62)];
    }
    return id;
}
