#include "relaypasswordstore.h"

#include <qt6keychain/keychain.h>

namespace {
RelayPasswordStore::Status statusOf(const QKeychain::Job *job)
{
    switch (job->error()) {
    case QKeychain::NoError:
        return RelayPasswordStore::Status::Ok;
    case QKeychain::EntryNotFound:
        return RelayPasswordStore::Status::NotFound;
    case QKeychain::NoBackendAvailable:
    case QKeychain::NotImplemented:
    case QKeychain::OtherError:
        // On Linux a missing Secret Service (no D-Bus session, no daemon) comes back as OtherError ("Could not
        // connect: …", "The name org.freedesktop.secrets was not provided …"): no keychain the user could unlock.
        return RelayPasswordStore::Status::NoKeychain;
    case QKeychain::CouldNotDeleteEntry:
    case QKeychain::AccessDeniedByUser:
    case QKeychain::AccessDenied:
        break;
    }
    return RelayPasswordStore::Status::Failed;
}

} // namespace

RelayPasswordStore::RelayPasswordStore(const QString &service, QObject *parent) : QObject(parent), m_service(service)
{
}

void RelayPasswordStore::setKey(const QString &key)
{
    m_key = key;
}

void RelayPasswordStore::read(ReadDone done)
{
    // No parent: a job deleted while the keychain (libsecret) still works on it is called back after its end, so it
    // lives until it finishes (autoDelete); the connection's context drops done when this object goes first.
    auto *job = new QKeychain::ReadPasswordJob(m_service);
    job->setKey(m_key);
    // Never the plain-text QSettings fallback: a password in the settings file is what this class exists to avoid.
    job->setInsecureFallback(false);
    job->setAutoDelete(true);
    connect(job, &QKeychain::Job::finished, this, [done = std::move(done)](QKeychain::Job *finished) {
        const Status status = statusOf(finished);
        const auto *readJob = static_cast<QKeychain::ReadPasswordJob *>(finished);
        done(status, status == Status::Ok ? readJob->textData() : QString(),
            status == Status::Ok ? QString() : finished->errorString());
    });
    job->start();
}

void RelayPasswordStore::write(const QString &password, WriteDone done)
{
    // Unparented, as in read().
    QKeychain::Job *job = nullptr;
    if (password.isEmpty()) {
        job = new QKeychain::DeletePasswordJob(m_service);
    } else {
        auto *writeJob = new QKeychain::WritePasswordJob(m_service);
        writeJob->setTextData(password);
        job = writeJob;
    }
    job->setKey(m_key);
    job->setInsecureFallback(false);
    job->setAutoDelete(true);
    const bool deleting = password.isEmpty();
    connect(job, &QKeychain::Job::finished, this, [done = std::move(done), deleting](QKeychain::Job *finished) {
        Status status = statusOf(finished);
        // Deleting what was never there leaves the keychain as wanted.
        if (deleting && status == Status::NotFound) {
            status = Status::Ok;
        }
        done(status, status == Status::Ok ? QString() : finished->errorString());
    });
    job->start();
}
