// ClientAddress: the protocol layer's Qt-Core-only peer address. Its text must be exactly what QHostAddress (the
// network layer's type, a separate implementation) writes, since the store, the rules and the trace header used
// that before; the expected forms are RFC 5952's (IPv6) and the dotted quad (IPv4).
#include <message/clientaddress.h>

#include <QHostAddress>
#include <QTest>

class TestClientAddress : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void sameTextAsQHostAddress_data();
    void sameTextAsQHostAddress();
    void rfc5952_data();
    void rfc5952();
    void notAnAddress_data();
    void notAnAddress();
    void mappedIpv4IsIpv4();
};

void TestClientAddress::sameTextAsQHostAddress_data()
{
    QTest::addColumn<QString>("text");
    for (const char *text : { "127.0.0.1", "192.0.2.7", "0.0.0.0", "255.255.255.255", "::1", "::", "2001:db8::1",
             "2001:DB8:0:0:1:0:0:1", "2001:db8:0:0:0:0:2:1", "fe80::1%eth0", "::ffff:192.0.2.9", "::192.0.2.1",
             "1:2:3:4:5:6:7:8", "1::", "2001:db8:1:2:3:4:5::" }) {
        QTest::newRow(text) << QString::fromLatin1(text);
    }
}

void TestClientAddress::sameTextAsQHostAddress()
{
    QFETCH(QString, text);
    const QHostAddress reference(text);
    QVERIFY(!reference.isNull());
    const ClientAddress address = ClientAddress::fromString(text);
    QVERIFY(!address.isNull());
    QCOMPARE(address.toString(), reference.toString());
    QCOMPARE(address.family() == ClientAddress::Family::IPv6, reference.protocol() == QAbstractSocket::IPv6Protocol);
    QCOMPARE(address.scopeId(), reference.scopeId());
}

void TestClientAddress::rfc5952_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("canonical");
    // RFC 5952 §4.2: "::" for the longest run of zero groups (the first of equal runs); §4.3: lower case; §4.1:
    // no leading zeros.
    QTest::newRow("leading zeros go") << "2001:0db8:0000:0000:0000:0000:0000:0001"
                                      << "2001:db8::1";
    QTest::newRow("the longest zero run") << "2001:db8:0:0:1:0:0:0"
                                          << "2001:db8:0:0:1::";
    QTest::newRow("the first of two equal runs") << "2001:db8:0:0:1:0:0:1"
                                                 << "2001:db8::1:0:0:1";
    QTest::newRow("lower case") << "2001:DB8::ABCD"
                                << "2001:db8::abcd";
    QTest::newRow("the zone stays") << "fe80::1%eth0"
                                    << "fe80::1%eth0";
}

void TestClientAddress::rfc5952()
{
    QFETCH(QString, text);
    QFETCH(QString, canonical);
    QCOMPARE(ClientAddress::fromString(text).toString(), canonical);
}

void TestClientAddress::notAnAddress_data()
{
    QTest::addColumn<QString>("text");
    for (const char *text : { "", "localhost", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.-4", "1..2.3", "x::y", "1:2:3",
             "192.0.2.7%eth0", "::1%", "1.2.3.4 " }) {
        QTest::newRow(text) << QString::fromLatin1(text);
    }
}

void TestClientAddress::notAnAddress()
{
    QFETCH(QString, text);
    QVERIFY(ClientAddress::fromString(text).isNull());
}

void TestClientAddress::mappedIpv4IsIpv4()
{
    // README "What the SMTP server does": an IPv4-mapped IPv6 peer is its IPv4 address.
    const ClientAddress mapped = ClientAddress::fromString(u"::ffff:192.0.2.9");
    QCOMPARE(mapped.family(), ClientAddress::Family::IPv6);
    QCOMPARE(mapped.unmapped(), ClientAddress::fromString(u"192.0.2.9"));
    QCOMPARE(mapped.unmapped().family(), ClientAddress::Family::IPv4);
    QCOMPARE(ClientAddress::fromString(u"::1").unmapped(), ClientAddress::fromString(u"::1"));
    QCOMPARE(ClientAddress::fromString(u"192.0.2.9").unmapped(), ClientAddress::fromString(u"192.0.2.9"));
}

QTEST_APPLESS_MAIN(TestClientAddress)
#include "tst_clientaddress.moc"
