#pragma once

// Mailpit's chaos settings (GET/PUT /api/v1/chaos): each trigger fails its SMTP stage with ErrorCode at
// Probability percent. Sender fires on MAIL, Recipient on RCPT, Authentication on AUTH. Not persisted.
struct ChaosTriggers
{
    struct Trigger
    {
        int errorCode = 451;
        int probability = 0;
        bool operator==(const Trigger &other) const = default;
    };
    Trigger sender { 451, 0 };
    Trigger recipient { 451, 0 };
    Trigger authentication { 535, 0 };
    bool operator==(const ChaosTriggers &other) const = default;
};
