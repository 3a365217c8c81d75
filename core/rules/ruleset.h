#pragma once

#include "rule.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <array>
#include <optional>

// The five ordered rule lists (host, sender, recipient, auth, data) and the rules file they live in: versioned
// JSON (README "Testing failure handling"), read all-or-nothing with errors naming the line, list, index and field.
struct RuleSet
{
    enum class Stage { Host, Sender, Recipient, Auth, Data };
    static constexpr int StageCount = 5;
    static constexpr int Version = 1;

    std::array<QList<Rule>, StageCount> lists;

    QList<Rule> &rules(Stage stage) { return lists[size_t(stage)]; }
    const QList<Rule> &rules(Stage stage) const { return lists[size_t(stage)]; }
    bool isEmpty() const;
    // "host", "sender", "recipient", "auth", "data": the JSON key of each list.
    static QString stageName(Stage stage);

    // Parses and validates the whole file. On failure nullopt, and *error is "LINE: field: problem" (LINE is
    // 1-based; field names the list, index and field, e.g. "recipient[2].pattern").
    static std::optional<RuleSet> fromJson(const QByteArray &json, QString *error);
    // Every rule with every field filled in (what GET /api/v1/rules returns and what is saved).
    QByteArray toJson() const;
    // Checks one rule as the given stage would use it; "" when valid, else "field: problem".
    static QString validate(const Rule &rule, Stage stage);

    bool operator==(const RuleSet &other) const = default;
};
