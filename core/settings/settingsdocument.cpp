#include "settingsdocument.h"

#include <QLoggingCategory>

namespace {
Q_LOGGING_CATEGORY(lcSettings, "letterbox.settings")
} // namespace

SettingsDocument::SettingsDocument(QObject *parent) : QObject(parent)
{
}

SettingsDocument::~SettingsDocument() = default;

void SettingsDocument::setApplier(Applier applier, qint64 appliedRevision)
{
    QMutexLocker lock(&m_applyMutex);
    m_applier = std::move(applier);
    m_applied = appliedRevision;
}

bool SettingsDocument::save(const QByteArray &body, QString *error, const std::function<bool()> &stillWanted)
{
    qint64 revision = 0;
    if (!write(body, &revision, error)) {
        return false;
    }
    QString problem;
    if (!apply(body, revision, &problem, stillWanted) && !problem.isEmpty()) {
        // The caller checked body before saving it: a parser that changed its mind is a bug, said loudly.
        qCWarning(lcSettings).noquote() << QStringLiteral("%1: saved, but not applied: %2").arg(location(), problem);
    }
    return true;
}

void SettingsDocument::applyEdit(const std::function<void()> &edit)
{
    QMutexLocker lock(&m_applyMutex);
    edit();
}

void SettingsDocument::received(const QByteArray &body, qint64 revision)
{
    QString problem;
    if (apply(body, revision, &problem, {})) {
        Q_EMIT changedElsewhere(body);
    } else if (!problem.isEmpty()) {
        qCWarning(lcSettings).noquote() << QStringLiteral(
            "%1 was changed elsewhere to something not valid, keeping what is in force: %1:%2")
                                               .arg(location(), problem);
    }
}

bool SettingsDocument::apply(
    const QByteArray &body, qint64 revision, QString *problem, const std::function<bool()> &stillWanted)
{
    QMutexLocker lock(&m_applyMutex);
    if (revision <= m_applied) {
        return false;
    }
    if (stillWanted && !stillWanted()) {
        // The saver has a newer text in force, whose own save follows and applies.
        m_applied = revision;
        return false;
    }
    if (m_applier && !m_applier(body, problem)) {
        // Not in force; a later valid revision still applies, an earlier one does not come back.
        m_applied = revision;
        return false;
    }
    m_applied = revision;
    return true;
}
