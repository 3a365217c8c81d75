#include "settingsdocument.h"

SettingsDocument::SettingsDocument(QObject *parent) : QObject(parent)
{
}

SettingsDocument::~SettingsDocument() = default;
