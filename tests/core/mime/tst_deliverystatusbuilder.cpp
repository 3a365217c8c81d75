// DeliveryStatusBuilder's bounces read back through ParsedMessage (GMime's parser). Expected values come from the
// RFCs: RFC 6522 (multipart/report, its three parts in order), RFC 3464 §2 (the delivery-status groups and their
// fields, typed "dns", "rfc822" and "smtp"), RFC 3834 §5 (Auto-Submitted), RFC 5322 (Date, Message-ID, CRLF) and
// the contract's sender and recipient, never the builder's own output.
#include <mime/deliverystatusbuilder.h>
#include <mime/parsedmessage.h>

#include <QDateTime>
#include <QRegularExpression>
#include <QTest>

namespace {
using Fields = QList<QPair<QByteArray, QByteArray>>; // lower-case name, unfolded value

// RFC 3464 §2.1: the body is groups of RFC 822-style fields, separated by blank lines; continuation lines start
// with white space.
QList<Fields> statusGroups(QByteArray body)
{
    body.replace("\r\n", "\n");
    QList<Fields> groups;
    Fields current;
    for (const QByteArray &line : body.split('\n')) {
        if (line.trimmed().isEmpty()) {
            if (!current.isEmpty()) {
                groups << current;
                current.clear();
            }
            continue;
        }
        if ((line.startsWith(' ') || line.startsWith('\t')) && !current.isEmpty()) {
            current.last().second += ' ' + line.trimmed();
            continue;
        }
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0) {
            groups << Fields { { "malformed", line } };
            continue;
        }
        current << qMakePair(line.left(colon).trimmed().toLower(), line.mid(colon + 1).trimmed());
    }
    if (!current.isEmpty()) {
        groups << current;
    }
    return groups;
}

QList<QByteArray> fieldValues(const Fields &fields, const QByteArray &name)
{
    QList<QByteArray> out;
    for (const auto &[n, v] : fields) {
        if (n == name) {
            out << v;
        }
    }
    return out;
}

// "type; value" with optional white space around the semicolon (RFC 3464 §2.1.2 and §2.3.2).
QPair<QByteArray, QByteArray> typed(const QByteArray &value)
{
    const qsizetype semicolon = value.indexOf(';');
    return { value.left(semicolon).trimmed().toLower(), value.mid(semicolon + 1).trimmed() };
}

DeliveryStatusReport report(int recipients)
{
    DeliveryStatusReport r;
    r.hostname = "mx.example.net";
    r.originalSender = "alice@example.org";
    r.originalId = "Ab3dE6gH9jK2mN5pQ8sT1v";
    r.arrivalMs = QDateTime(QDate(2026, 12, 1), QTime(11, 0, 5), Qt::UTC).toMSecsSinceEpoch();
    r.dateMs = QDateTime(QDate(2026, 12, 1), QTime(11, 0, 10), Qt::UTC).toMSecsSinceEpoch();
    r.messageId = "Xy7bounce@mx.example.net";
    r.originalHeaders = "Received: from client by mx.example.net\r\nFrom: Alice <alice@example.org>\r\n"
                        "To: bob@bounce.test\r\nSubject: Quarterly figures\r\n\r\n";
    r.recipients << DeliveryStatusReport::Recipient { "bob@bounce.test", 550, "5.1.1", "User unknown" };
    if (recipients > 1) {
        r.recipients << DeliveryStatusReport::Recipient { "carol@bounce.test", 552, "5.2.2", "Mailbox full" };
    }
    return r;
}

QString header(const ParsedMessage &m, const char *name)
{
    const QStringList values = m.headerValues(QLatin1String(name));
    return values.size() == 1 ? values.first() : QStringLiteral("<%1 values>").arg(values.size());
}
} // namespace

class TestDeliveryStatusBuilder : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void headersNameMailerDaemonAndTheOriginalSender();
    void isAMultipartReportOfThreePartsInOrder();
    void statusHasOneGroupPerMessageAndOnePerRecipient_data();
    void statusHasOneGroupPerMessageAndOnePerRecipient();
    void originalHeadersAreTheThirdPart();
    void ruleTextCannotAddAField();
    void linesEndInCrlf();
};

void TestDeliveryStatusBuilder::headersNameMailerDaemonAndTheOriginalSender()
{
    const ParsedMessage m = ParsedMessage::parse(DeliveryStatusBuilder::build(report(1)));
    QCOMPARE(m.from.size(), 1);
    QCOMPARE(m.from.first().address, QStringLiteral("MAILER-DAEMON@mx.example.net"));
    QCOMPARE(m.from.first().name, QStringLiteral("Mail Delivery System"));
    QCOMPARE(m.to.size(), 1);
    QCOMPARE(m.to.first().address, QStringLiteral("alice@example.org"));
    QVERIFY(!m.subject.trimmed().isEmpty());
    QCOMPARE(m.date, QDateTime(QDate(2026, 12, 1), QTime(11, 0, 10), Qt::UTC));
    QCOMPARE(m.messageId, QStringLiteral("Xy7bounce@mx.example.net"));
    // RFC 3834 §5: a response made automatically to a message.
    QCOMPARE(header(m, "Auto-Submitted").trimmed(), QStringLiteral("auto-replied"));
    QCOMPARE(header(m, "MIME-Version").trimmed(), QStringLiteral("1.0"));
    QVERIFY(m.warnings.isEmpty());
}

void TestDeliveryStatusBuilder::isAMultipartReportOfThreePartsInOrder()
{
    const ParsedMessage m = ParsedMessage::parse(DeliveryStatusBuilder::build(report(1)));
    const QString contentType = header(m, "Content-Type");
    QVERIFY2(contentType.startsWith(QLatin1String("multipart/report"), Qt::CaseInsensitive), qPrintable(contentType));
    // RFC 6522 §3: report-type names the machine-readable part's type.
    static const QRegularExpression reportType(
        QStringLiteral("report-type\\s*=\\s*\"?delivery-status\"?"), QRegularExpression::CaseInsensitiveOption);
    QVERIFY2(reportType.match(contentType).hasMatch(), qPrintable(contentType));
    QStringList types;
    for (const MimePart &p : m.parts) {
        types << p.contentType;
    }
    QCOMPARE(types,
        QStringList({ QStringLiteral("multipart/report"), QStringLiteral("text/plain"),
            QStringLiteral("message/delivery-status"), QStringLiteral("text/rfc822-headers") }));
    const QByteArray human = ParsedMessage::partContent(DeliveryStatusBuilder::build(report(1)), QStringLiteral("1"))
                                 .value_or(QByteArray());
    QVERIFY(human.contains("bob@bounce.test"));
    // RFC 5322 §2.1.1: the explanation's lines are at most 78 characters.
    for (const QByteArray &line : human.split('\n')) {
        QVERIFY2(line.trimmed().size() <= 78, line.constData());
    }
}

void TestDeliveryStatusBuilder::statusHasOneGroupPerMessageAndOnePerRecipient_data()
{
    QTest::addColumn<int>("recipients");
    QTest::newRow("one bounced recipient: one per-recipient group") << 1;
    QTest::newRow("two bounced recipients: two per-recipient groups in one report") << 2;
}

void TestDeliveryStatusBuilder::statusHasOneGroupPerMessageAndOnePerRecipient()
{
    QFETCH(int, recipients);
    const DeliveryStatusReport r = report(recipients);
    const std::optional<QByteArray> body
        = ParsedMessage::partContent(DeliveryStatusBuilder::build(r), QStringLiteral("2"));
    QVERIFY(body);
    const QList<Fields> groups = statusGroups(*body);
    QCOMPARE(groups.size(), 1 + recipients);

    // RFC 3464 §2.2: the per-message fields.
    const Fields &perMessage = groups.first();
    QCOMPARE(fieldValues(perMessage, "reporting-mta").size(), 1);
    QCOMPARE(typed(fieldValues(perMessage, "reporting-mta").first()),
        qMakePair(QByteArray("dns"), QByteArray("mx.example.net")));
    QCOMPARE(fieldValues(perMessage, "arrival-date").size(), 1);
    QCOMPARE(
        QDateTime::fromString(QString::fromLatin1(fieldValues(perMessage, "arrival-date").first()), Qt::RFC2822Date),
        QDateTime(QDate(2026, 12, 1), QTime(11, 0, 5), Qt::UTC));

    // RFC 3464 §2.3: each recipient's group; Final-Recipient and Action are required, Status too (§2.3.4).
    for (int i = 0; i < recipients; ++i) {
        const Fields &group = groups.at(1 + i);
        const DeliveryStatusReport::Recipient &expected = r.recipients.at(i);
        QCOMPARE(fieldValues(group, "final-recipient").size(), 1);
        QCOMPARE(
            typed(fieldValues(group, "final-recipient").first()), qMakePair(QByteArray("rfc822"), expected.address));
        QCOMPARE(fieldValues(group, "action"), QList<QByteArray> { "failed" });
        QCOMPARE(fieldValues(group, "status"), QList<QByteArray> { expected.enhanced });
        QCOMPARE(fieldValues(group, "diagnostic-code").size(), 1);
        QCOMPARE(typed(fieldValues(group, "diagnostic-code").first()),
            qMakePair(QByteArray("smtp"), QByteArray::number(expected.code) + ' ' + expected.text));
    }
}

void TestDeliveryStatusBuilder::originalHeadersAreTheThirdPart()
{
    const std::optional<QByteArray> headers
        = ParsedMessage::partContent(DeliveryStatusBuilder::build(report(1)), QStringLiteral("3"));
    QVERIFY(headers);
    QVERIFY(headers->contains("Subject: Quarterly figures"));
    QVERIFY(headers->contains("Received: from client by mx.example.net"));
}

void TestDeliveryStatusBuilder::ruleTextCannotAddAField()
{
    DeliveryStatusReport r = report(1);
    r.recipients.first().text = "User unknown\r\nAction: delivered";
    const std::optional<QByteArray> body
        = ParsedMessage::partContent(DeliveryStatusBuilder::build(r), QStringLiteral("2"));
    QVERIFY(body);
    const QList<Fields> groups = statusGroups(*body);
    QCOMPARE(groups.size(), 2);
    QCOMPARE(fieldValues(groups.at(1), "action"), QList<QByteArray> { "failed" });
}

void TestDeliveryStatusBuilder::linesEndInCrlf()
{
    const QByteArray raw = DeliveryStatusBuilder::build(report(2));
    // RFC 5322 §2.1: CR and LF only together.
    static const QRegularExpression bare(QStringLiteral("\r(?!\n)|(?<!\r)\n"));
    QVERIFY(!bare.match(QString::fromLatin1(raw)).hasMatch());
}

QTEST_APPLESS_MAIN(TestDeliveryStatusBuilder)
#include "tst_deliverystatusbuilder.moc"
