#pragma once

#include <QStringList>

// `letterbox sendmail [flags] [recipient…]`, also run as letterbox-sendmail (CONTRACT "Settled details", sendmail
// mode): reads one message on stdin and hands it to a running Letterbox over SMTP. A QCoreApplication only, like
// headless mode, so that a cron job or PHP's mail() maps no GUI library. arguments are those after "sendmail" (or
// after the program name). Returns the process's exit code (sysexits.h).
int runSendmail(int argc, char *argv[], const QStringList &arguments);
