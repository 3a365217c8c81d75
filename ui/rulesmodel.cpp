#include "rulesmodel.h"

#include <QFont>
#include <QMimeData>

namespace {
const char *const MimeType = "application/x-letterbox-rule-rows";
}

RulesModel::RulesModel(RuleSet::Stage stage, QObject *parent) : QAbstractTableModel(parent), m_stage(stage)
{
}

RuleSet::Stage RulesModel::stage() const
{
    return m_stage;
}

const QList<Rule> &RulesModel::rules() const
{
    return m_rules;
}

void RulesModel::setRules(const QList<Rule> &rules)
{
    beginResetModel();
    m_rules = rules;
    m_hits.fill(0, rules.size());
    endResetModel();
}

void RulesModel::setHitCounts(const QList<qint64> &hits)
{
    // Empty lists first: Qt 6.4 compares two empty lists with memcmp on a null pointer (undefined behaviour).
    if (hits.size() != m_rules.size() || hits.isEmpty() || hits == m_hits) {
        return;
    }
    m_hits = hits;
    Q_EMIT dataChanged(index(0, HitsColumn), index(int(m_rules.size()) - 1, HitsColumn));
}

void RulesModel::insertRule(int row, const Rule &rule)
{
    row = qBound(0, row, int(m_rules.size()));
    beginInsertRows(QModelIndex(), row, row);
    m_rules.insert(row, rule);
    m_hits.insert(row, 0);
    endInsertRows();
    Q_EMIT rulesEdited();
}

void RulesModel::replaceRule(int row, const Rule &rule)
{
    if (row < 0 || row >= m_rules.size()) {
        return;
    }
    m_rules[row] = rule;
    Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
    Q_EMIT rulesEdited();
}

void RulesModel::removeRule(int row)
{
    if (row < 0 || row >= m_rules.size()) {
        return;
    }
    beginRemoveRows(QModelIndex(), row, row);
    m_rules.removeAt(row);
    m_hits.removeAt(row);
    endRemoveRows();
    Q_EMIT rulesEdited();
}

QString RulesModel::describe(const Rule &rule, RuleSet::Stage stage)
{
    static const char *const matches[] = { "is", "glob", "regex", "in" };
    QString subject;
    switch (stage) {
    case RuleSet::Stage::Host:
        subject = tr("client");
        break;
    case RuleSet::Stage::Data:
        subject = rule.header;
        break;
    case RuleSet::Stage::Auth:
        subject = tr("user");
        break;
    case RuleSet::Stage::Sender:
    case RuleSet::Stage::Recipient:
        subject = rule.part == Rule::Part::Domain ? tr("domain")
            : rule.part == Rule::Part::LocalPart  ? tr("local part")
                                                  : tr("address");
        break;
    }
    QString text = rule.pattern.isEmpty()
        ? QString()
        : QStringLiteral("%1 %2 %3").arg(subject, QLatin1String(matches[int(rule.match)]), rule.pattern);
    if (stage == RuleSet::Stage::Data && rule.minSize > 0) {
        const QString size = tr("size ≥ %1 bytes").arg(rule.minSize);
        text = text.isEmpty() ? size : text + tr(" and ") + size;
    }
    return text;
}

QString RulesModel::durationText(int ms)
{
    return ms % 1000 == 0 ? tr("%1 s").arg(ms / 1000) : tr("%1 ms").arg(ms);
}

QString RulesModel::rateText(qint64 bytesPerSecond)
{
    constexpr qint64 Kilo = 1024;
    constexpr qint64 Mega = Kilo * Kilo;
    if (bytesPerSecond >= Mega) {
        return tr("%1 MB/s").arg(QString::number(double(bytesPerSecond) / Mega, 'g', 4));
    }
    if (bytesPerSecond >= Kilo) {
        return tr("%1 KB/s").arg(QString::number(double(bytesPerSecond) / Kilo, 'g', 4));
    }
    return tr("%1 bytes/s").arg(bytesPerSecond);
}

int RulesModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rules.size());
}

int RulesModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant RulesModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) {
        return {};
    }
    const Rule &r = m_rules.at(index.row());
    if (role == Qt::CheckStateRole && index.column() == EnabledColumn) {
        return r.enabled ? Qt::Checked : Qt::Unchecked;
    }
    if (role == Qt::FontRole && !r.enabled) {
        QFont font;
        font.setItalic(true);
        return font;
    }
    if (role == Qt::ToolTipRole && index.column() == EnabledColumn) {
        return r.enabled ? tr("Enabled: uncheck to keep the rule without using it") : tr("Disabled");
    }
    if (role == Qt::ToolTipRole && (index.column() == MatchColumn || index.column() == ReplyColumn)) {
        // Whole, when the column is too narrow for it.
        return data(index, Qt::DisplayRole);
    }
    if (role != Qt::DisplayRole) {
        return {};
    }
    switch (index.column()) {
    case EnabledColumn:
        return QString();
    case MatchColumn:
        return describe(r, m_stage);
    case ReplyColumn: {
        QString reply = r.action == Rule::Action::Accept ? tr("accept")
            : r.action == Rule::Action::Disconnect       ? tr("disconnect, no reply")
                                                   : QStringLiteral("%1 %2 %3").arg(r.code).arg(r.enhanced, r.text);
        if (r.action == Rule::Action::Greylist) {
            reply = tr("greylist %1×, then accept: %2").arg(r.attempts).arg(reply);
        } else if (r.action == Rule::Action::Bounce) {
            // CONTRACT "Failure scenarios": accepted now, the reply goes into the delivery status notification.
            reply = r.bounceAfterMs > 0
                ? tr("250, then a bounce after %1: %2").arg(durationText(r.bounceAfterMs), reply)
                : tr("250, then a bounce at once: %1").arg(reply);
        }
        if (r.limit.perSeconds > 0) {
            reply += tr(" (past %1 per %2 s)").arg(r.limit.count).arg(r.limit.perSeconds);
        }
        if (r.every > 1) {
            reply += tr(" (1 match in %1)").arg(r.every);
        }
        if (m_stage == RuleSet::Stage::Host && r.action == Rule::Action::Reject) {
            if (r.hostReply == Rule::HostReply::Greeting) {
                reply = tr("554 at greeting: %1").arg(r.text);
            } else if (r.hostReply == Rule::HostReply::Drop) {
                reply = tr("421 and close: %1").arg(r.text);
            }
        }
        if (m_stage == RuleSet::Stage::Host && r.bytesPerSecond > 0) {
            reply += tr(", input read at %1").arg(rateText(r.bytesPerSecond));
        }
        return reply;
    }
    case ProbabilityColumn:
        return QStringLiteral("%1%").arg(r.probability);
    case DelayColumn:
        return r.delayMs > 0 ? tr("%1 ms").arg(r.delayMs) : QString();
    case HitsColumn:
        return m_hits.value(index.row());
    }
    return {};
}

bool RulesModel::setData(const QModelIndex &index, const QVariant &value, int role)
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)
        || index.column() != EnabledColumn || role != Qt::CheckStateRole) {
        return false;
    }
    m_rules[index.row()].enabled = value.value<Qt::CheckState>() == Qt::Checked;
    Q_EMIT dataChanged(this->index(index.row(), 0), this->index(index.row(), ColumnCount - 1));
    Q_EMIT rulesEdited();
    return true;
}

QVariant RulesModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (role == Qt::ToolTipRole && orientation == Qt::Horizontal) {
        switch (section) {
        case EnabledColumn:
            return tr("Whether the rule is used");
        case MatchColumn:
            return tr("What the rule looks at and how it matches");
        case ReplyColumn:
            return tr("What the client gets when the rule matches");
        case ProbabilityColumn:
            return tr("How often the rule fires when it matches");
        case DelayColumn:
            return tr("How long the reply waits");
        case HitsColumn:
            return tr("How often the rule matched since the rules last changed");
        }
        return {};
    }
    if (role != Qt::DisplayRole) {
        return {};
    }
    if (orientation == Qt::Vertical) {
        return section + 1; // the order rules are tried in
    }
    switch (section) {
    case EnabledColumn:
        return tr("On");
    case MatchColumn:
        return tr("Matches");
    case ReplyColumn:
        return tr("Reply");
    case ProbabilityColumn:
        return tr("Chance");
    case DelayColumn:
        return tr("Delay");
    case HitsColumn:
        return tr("Hits");
    }
    return {};
}

Qt::ItemFlags RulesModel::flags(const QModelIndex &index) const
{
    Qt::ItemFlags flags = QAbstractTableModel::flags(index);
    if (!index.isValid()) {
        return flags | Qt::ItemIsDropEnabled;
    }
    flags |= Qt::ItemIsDragEnabled;
    if (index.column() == EnabledColumn) {
        flags |= Qt::ItemIsUserCheckable;
    }
    return flags;
}

bool RulesModel::moveRows(const QModelIndex &sourceParent, int sourceRow, int count,
    const QModelIndex &destinationParent, int destinationChild)
{
    if (sourceParent.isValid() || destinationParent.isValid() || count != 1 || sourceRow < 0
        || sourceRow >= m_rules.size() || destinationChild < 0 || destinationChild > m_rules.size()
        || destinationChild == sourceRow || destinationChild == sourceRow + 1) {
        return false;
    }
    beginMoveRows(QModelIndex(), sourceRow, sourceRow, QModelIndex(), destinationChild);
    const int to = destinationChild > sourceRow ? destinationChild - 1 : destinationChild;
    m_rules.move(sourceRow, to);
    m_hits.move(sourceRow, to);
    endMoveRows();
    Q_EMIT rulesEdited();
    return true;
}

Qt::DropActions RulesModel::supportedDropActions() const
{
    return Qt::MoveAction;
}

QStringList RulesModel::mimeTypes() const
{
    return { QLatin1String(MimeType) };
}

QMimeData *RulesModel::mimeData(const QModelIndexList &indexes) const
{
    if (indexes.isEmpty()) {
        return nullptr;
    }
    auto *mime = new QMimeData;
    mime->setData(QLatin1String(MimeType), QByteArray::number(indexes.first().row()));
    return mime;
}

bool RulesModel::dropMimeData(const QMimeData *data, Qt::DropAction action, int row, int, const QModelIndex &parent)
{
    if (action != Qt::MoveAction || !data->hasFormat(QLatin1String(MimeType))) {
        return false;
    }
    const int source = data->data(QLatin1String(MimeType)).toInt();
    const int destination = row >= 0 ? row : parent.isValid() ? parent.row() : int(m_rules.size());
    moveRows(QModelIndex(), source, 1, QModelIndex(), destination);
    // The move is done here: false keeps the view from also removing the dragged row.
    return false;
}
