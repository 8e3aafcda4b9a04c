// Package config loads berth's configuration file and turns it into plain,
// validated data (Config). It is the only package that knows about viper and
// YAML: everything else receives a *Config.
//
// Loading has four steps, each in its own file:
//
//   - load.go reads the file with a fresh viper instance (never the global one)
//     and parses it a second time into a YAML node tree;
//   - walk.go checks the node tree against the schema in raw.go: unknown keys,
//     secrets written in clear, and the YAML type of every value. Because it
//     walks the file's own nodes it reports key paths in the file's camelCase
//     (viper folds keys to lower case) and with line numbers;
//   - build.go, build_hosts.go, build_templates.go and build_warm.go (with
//     the helpers in values.go) decode viper's settings into the raw
//     structs, apply defaults and check values (durations, URLs, enums,
//     caps, names, references, warm window schedules, which are parsed here
//     with robfig/cron so that nothing downstream parses);
//   - secrets.go resolves the Jenkins token or password from a file, the
//     environment or a systemd credential.
//
// Every problem is an *Error naming the file, the line when known and the key
// path, for example
//
//	/etc/berth/config.yaml:14: templates[1].idleTimeout: invalid duration "5x"
//
// and Load returns all problems found, joined. Things that are legal but
// probably unwanted (TLS verification off, a cap of 0, a template with the
// Docker socket) are returned as warnings by Config.Warnings. Redacted
// renders the effective configuration, without secrets, for `berth check`.
//
// User data never goes into map keys: viper lower-cases keys, so env and
// containerLabels are lists of KEY=value strings, and their case is kept.
package config
