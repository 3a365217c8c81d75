#pragma once

#include <QAbstractHttpServer>
#include <QHostAddress>
#include <QSet>

#include <memory>

class MessageStore;
class RuleEngine;
class QWebSocket;
class QTcpServer;
class QTimer;

// The Mailpit-compatible REST API (CONTRACT.md "REST API") and the WebSocket /api/events. Lives in one thread
// (the app gives it its own); reads and writes go through the MessageStore, which is thread-safe.
class ApiServer : public QAbstractHttpServer
{
    Q_OBJECT
public:
    explicit ApiServer(MessageStore *store, QObject *parent = nullptr);
    ~ApiServer() override;

    // The rules and chaos settings GET/PUT /api/v1/rules and /api/v1/chaos read and change; PUT /api/v1/rules
    // saves the rules to rulesFile (atomically). Without an engine those paths are 404.
    void setRules(RuleEngine *engine, const QString &rulesFile);
    bool listen(const QHostAddress &address, quint16 port);
    QString errorString() const;
    QHostAddress serverAddress() const;
    quint16 serverPort() const;
    void close();
    int eventClientCount() const;

protected:
    bool handleRequest(const QHttpServerRequest &request, QTcpSocket *socket) override;
    void missingHandler(const QHttpServerRequest &request, QTcpSocket *socket) override;

private:
    void acceptWebSockets();
    void broadcast(const QByteArray &type, const QJsonValue &data);
    void scheduleStats();
    void sendStats();

    struct Private;
    std::unique_ptr<Private> d;
};
