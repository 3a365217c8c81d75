#pragma once

#include <QList>
#include <QSslCertificate>
#include <QSslKey>
#include <QString>

// The one function of the letterbox-tls module (tlsmodule.cpp): the user's pair (certificateFile and keyFile), or
// the generated one in dataDir for hostname (TlsIdentity::loadOrGenerate()). False and *error ("FILE: why") when it
// cannot be had.
using LetterboxTlsIdentity = bool (*)(const QString &certificateFile, const QString &keyFile, const QString &dataDir,
    const QString &hostname, QList<QSslCertificate> *certificates, QSslKey *key, QString *error);
