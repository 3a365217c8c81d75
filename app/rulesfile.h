#pragma once

#include <QString>

struct CommandLineOptions;
class RuleEngine;

// Loads the rules at start: --rules FILE (which must exist), else rules.json in the data directory when there is
// one. All or nothing: false with *error "FILE:LINE: field: problem" (README "Command line": exit 2).
bool loadRules(const CommandLineOptions &options, RuleEngine *engine, QString *error);
