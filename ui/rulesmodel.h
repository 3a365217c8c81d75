#pragma once

#include <rules/ruleset.h>

#include <QAbstractTableModel>

// One stage's rules as the Rules window lists them, in order (first enabled match wins): enabled (a checkbox),
// what it matches, the reply, probability, delay and how often it fired. Rows move by drag and drop or
// moveRows(); every change says rulesEdited().
class RulesModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { EnabledColumn, MatchColumn, ReplyColumn, ProbabilityColumn, DelayColumn, HitsColumn, ColumnCount };

    explicit RulesModel(RuleSet::Stage stage, QObject *parent = nullptr);
    RuleSet::Stage stage() const;
    const QList<Rule> &rules() const;
    // Replaces the list (from the engine): no rulesEdited().
    void setRules(const QList<Rule> &rules);
    void setHitCounts(const QList<qint64> &hits);
    void insertRule(int row, const Rule &rule);
    void replaceRule(int row, const Rule &rule);
    void removeRule(int row);
    // One line describing a rule, as the list and the session log show it.
    static QString describe(const Rule &rule, RuleSet::Stage stage);
    // A duration as people say it: "5 s" when whole seconds, else "1500 ms".
    static QString durationText(int ms);
    // A read rate (bytes a second) as people say it: "10 KB/s" (KB = 1024 bytes), "1.5 MB/s", "500 bytes/s".
    static QString rateText(qint64 bytesPerSecond);

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    bool setData(const QModelIndex &index, const QVariant &value, int role = Qt::EditRole) override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex &index) const override;
    bool moveRows(const QModelIndex &sourceParent, int sourceRow, int count, const QModelIndex &destinationParent,
        int destinationChild) override;
    Qt::DropActions supportedDropActions() const override;
    QStringList mimeTypes() const override;
    QMimeData *mimeData(const QModelIndexList &indexes) const override;
    bool dropMimeData(
        const QMimeData *data, Qt::DropAction action, int row, int column, const QModelIndex &parent) override;

Q_SIGNALS:
    void rulesEdited();

private:
    RuleSet::Stage m_stage;
    QList<Rule> m_rules;
    QList<qint64> m_hits;
};
