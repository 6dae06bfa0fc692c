public import BeekeeperConfig

extension Guardian {
    /// The built-in pattern set (`guardian.patterns: default`), in the order they are tried.
    ///
    /// The ids are part of the contract (they appear as `pattern:<id>` in block reasons, audit
    /// records and metrics). Every regex carries `(?i)` itself, so a copy pasted into a custom
    /// list behaves the same. They aim at payloads, not prose: each alternative needs shell or
    /// SQL syntax around a keyword (`rm -rf`, `' OR 1=1`, `; bash -i`), so business text such as
    /// "select a plan", "O'Brien", "and/or" or "Room rm 4" passes. Quantifiers are bounded or
    /// possessive where runs meet, so hostile input cannot make matching explode; PCRE2's match
    /// limit stops whatever was missed (a match that reaches it blocks).
    public static let defaultPatterns: [GuardianConfig.Pattern] = [
        GuardianConfig.Pattern(id: "shell_destructive", regex: shellDestructive),
        GuardianConfig.Pattern(id: "sql_destructive", regex: sqlDestructive),
        GuardianConfig.Pattern(id: "sql_injection", regex: sqlInjection),
        GuardianConfig.Pattern(id: "command_injection", regex: commandInjection),
        GuardianConfig.Pattern(id: "path_traversal", regex: pathTraversal),
        GuardianConfig.Pattern(id: "code_execution", regex: codeExecution),
        GuardianConfig.Pattern(id: "xxe", regex: xxe),
    ]

    /// Joins alternatives into one case-insensitive regex, so each stays readable here.
    ///
    /// The alternatives that start at a word boundary share a single `\b(?:...)`: the engine tries every
    /// alternative at every candidate position, and sharing the boundary test halves the cost on
    /// ordinary text. Order between alternatives does not change whether a string matches.
    private static func anyOf(_ alternatives: [String]) -> String {
        let atWord = alternatives.filter { $0.hasPrefix(#"\b"#) }.map { String($0.dropFirst(2)) }
        let others = alternatives.filter { !$0.hasPrefix(#"\b"#) }
        let branches = (atWord.isEmpty ? [] : [#"\b(?:"# + atWord.joined(separator: "|") + ")"]) + others
        return "(?i)(?:" + branches.joined(separator: "|") + ")"
    }

    /// A SQL identifier, possibly qualified and quoted (`public."users"`, `[dbo].[t]`).
    private static let sqlName = #"[\w."`\[\]]+"#

    private static let shellDestructive = anyOf([
        // rm with recursive+force flags, long forms, or aimed at / ~ *
        #"\brm\s+(?:-{1,2}[a-z-]+\s+){0,8}-[a-z]{0,8}(?:r[a-z]{0,8}f|f[a-z]{0,8}r)[a-z]{0,8}\b"#,
        #"\brm\s+(?:-{1,2}[a-z-]+\s+){0,8}--(?:recursive|force)\b"#,
        #"\brm\s+(?:-{1,2}[a-z-]+\s+){1,8}(?:/|~|\*|\$home\b)"#,
        #"--no-preserve-root\b"#,
        #"\bmkfs(?:\.\w+)?\b"#,
        #"\bmke2fs\b"#,
        #"\bdd\s+(?:\S{1,100}+\s+){0,8}of=/dev/"#,
        #"\bdd\s+if=/dev/(?:zero|u?random)\b"#,
        #">\s*/dev/(?:sd[a-z]|hd[a-z]|nvme\d|xvd[a-z]|vd[a-z]|mmcblk\d)"#,
        // fork bombs, the classic :(){ :|:& };: and renamed copies (a function that pipes into
        // a background job); anchored on "()" so ordinary words cost nothing
        #"\(\)\s*\{\s*[\w:.-]+\s*\|\s*[\w:.-]+\s*&\s*\}"#,
        #"\bchmod\s+(?:-[a-z]+\s+){0,4}[0-7]?777\s+/"#,
        #"\bchown\s+(?:-[a-z]+\s+){0,4}-[a-z]*r[a-z]*\s+\S+\s+/(?:\s|$)"#,
        // shutdown & co. only in command position: start of the value or after a shell separator
        #"(?:^|[;&|`]|\$\()\s*(?:sudo\s+)?(?:shutdown|reboot|halt|poweroff)(?=\s*$|\s*[;&|`)]|\s+-{1,2}[a-z]|\s+now\b|\s+\+\d)"#,
        #"\bshutdown\s+(?:-[a-z]+\s+){0,4}(?:now|\+\d+)\b"#,
        #"\bsystemctl\s+(?:reboot|poweroff|halt|kexec)\b"#,
        #"(?:^|[;&|])\s*init\s+[06]\s*(?:$|[;&|])"#,
    ])

    private static let sqlDestructive = anyOf([
        #"\bdrop\s+(?:temporary\s+)?(?:table|database|schema)\b"#,
        #"\bdrop\s+(?:view|index|user|role|function|procedure|trigger|sequence)\s+(?:if\s+exists\s+)?"# + sqlName
            + #"\s*(?:;|--|#|/\*|\bcascade\b)"#,
        #"\bdrop\s+\w+\s+if\s+exists\b"#,
        #"\bdrop\s+owned\s+by\b"#,
        #"\btruncate\s+table\b"#,
        #"\btruncate\s+(?:only\s+)?"# + sqlName + #"\s*(?:;|\bcascade\b|\brestart\s+identity\b)"#,
        // DELETE without WHERE: the statement ends (or a comment starts) right after the table
        #"\bdelete\s+from\s+"# + sqlName + #"\s*(?:;|--|#|/\*)"#,
        #"(?:^|;)\s*delete\s+from\s+"# + sqlName + #"\s*$"#,
        #"\balter\s+table\s+"# + sqlName + #"\s+drop\b"#,
    ])

    private static let sqlInjection = anyOf([
        // The runs around the quote are possessive (`\s*+\){0,4}+\s*+`, `\s++\(*+\s*+`): what follows
        // each run cannot start with what the run matches, so giving characters back never finds a
        // match, and without backtracking a quote followed by thousands of spaces costs linear time
        // instead of quadratic (ten such 5,000-character strings took ICU 13 s).
        // quote, then OR with a comparison: ' OR '1'='1   ' or 1=1 --   ') OR ('a'='a
        #"['"]\s*+\){0,4}+\s*+(?:or|\|\|)\s++\(*+\s*+(?:'[^']{0,64}'|"[^"]{0,64}"|\d+(?:\.\d+)?|true|false|null|[a-z_]\w{0,64}(?:\(\))?)\s*(?:=|<>|!=|<|>)"#,
        #"['"]\s*+\){0,4}+\s*+(?:or|\|\|)\s+(?:true|not\s+false)\b"#,
        #"'\s*+\){0,4}+\s*+and\s++\(*+\s*+(?:'[^']{0,64}'|\d+)\s*(?:=|<>|!=|<|>)\s*(?:'|\d)"#,
        // tautologies without a quote: OR 1=1, AND 'a'='a'
        #"\b(?:or|and)\s+(?<n>\d+)\s*=\s*\k<n>\b"#,
        #"\b(?:or|and)\s+'(?<s>[^']{0,64})'\s*=\s*'\k<s>'"#,
        // quote closed, then the rest of the query commented away
        #"'\s*+\){0,4}+\s*+(?:--|/\*|#\s*$|;\s*(?:--|#))"#,
        #"\bunion\s+(?:all\s+|distinct\s+)?\(*\s*select\b"#,
        // stacked queries: one branch per ";" so the engine tests the semicolon once
        #";\s*(?:"# + [
            #"drop\s+(?:table|database|schema|view|user|role|index|function|procedure)\b"#,
            #"(?:truncate|alter)\s+table\b"#,
            #"create\s+(?:table|function|procedure|trigger|database)\b"#,
            #"insert\s+into\s+"# + sqlName + #"\s*(?:\(|values\b|select\b)"#,
            #"update\s+"# + sqlName + #"\s+set\s+"# + sqlName + #"\s*="#,
            #"delete\s+from\s+"# + sqlName + #"\s*(?:$|;|--|where\b)"#,
            #"(?:exec|execute)\s+(?:xp_|sp_|master\.|@|\()"#,
            #"shutdown|declare\s+@|select\s+(?:\*|@@|pg_sleep|sleep|load_file|version\s*\()"#,
        ].joined(separator: "|") + ")",
        // comments used as whitespace or to smuggle keywords
        #"\b(?:union|select|insert|update|delete|drop|from|where|and|or)\s*/\*[^*]{0,200}\*/"#,
        #"/\*[^*]{0,200}\*/\s*(?:union|select|from|where|and|or)\b"#,
        #"/\*!\d*"#,
        // time-based blind injection, server-side escapes, catalog probing
        #"\b(?:sleep|pg_sleep|benchmark)\s*\(\s*\d"#,
        #"\bwaitfor\s+delay\s+'"#,
        #"\bexec(?:ute)?\s+(?:master\.\.)?(?:xp_|sp_)\w+"#,
        #"\bxp_cmdshell\b"#,
        #"\binto\s+(?:out|dump)file\s+'"#,
        #"\bload_file\s*\("#,
        #"\binformation_schema\.\w+"#,
        #"\bselect\s+[^;]{0,200}?\bfrom\s+(?:pg_catalog|pg_shadow|pg_user|mysql\.user|sysobjects|syscolumns)\b"#,
        #"\b(?:char|chr)\s*\(\s*\d+\s*(?:,\s*\d+\s*){2,}\)"#,
    ])

    /// What may follow a shell separator: a command that is not an English word in that form.
    private static let injectedCommand = "(?:" + [
        #"(?:ba|z|k|c|da|tc)?sh(?:\s*$|\s+-[a-z]|\s*[;&|<>`)]|\s+/)"#,
        #"(?:curl|wget)\s+(?:-\S+\s+){0,8}(?:['"]?(?:https?|ftp|file)://|[\w.-]+\.[a-z]{2,}\b|\d{1,3}\.\d|\$)"#,
        #"(?:nc|ncat|netcat|telnet|socat)\s+(?:-\S+\s+){0,8}[\w.:-]+\s+\d{1,5}\b"#,
        #"(?:nc|ncat|netcat)\s+-[a-z]*[elv]"#,
        #"cat\s+(?:/[\w.-]+/|~/|\.\./)"#,
        #"id\s*(?:$|[;&|#`])"#,
        #"whoami\b"#,
        #"uname\s+-[a-z]"#,
        #"(?:python[\d.]*|perl|ruby|php|node)\s+-[a-z]*[ecr]\b"#,
        #"rm\s+-"#,
        #"chmod\s+(?:[ugoa]*[+=-][rwxs]+|[0-7]{3,4})\b"#,
        #"sleep\s+\d+\s*(?:$|[;&|#`])"#,
        #"ping\s+-[a-z]"#,
        #"nslookup\s+\S"#,
        #"(?:powershell|pwsh)(?:\.exe)?\b"#,
        #"cmd(?:\.exe)?\s+/[ck]\b"#,
        #"base64\s+(?:-d|--decode)\b"#,
    ].joined(separator: "|") + ")"

    private static let commandInjection = anyOf([
        #"\$\(\s*[a-z_./~][^)]{0,500}\)"#,
        #"`\s*(?:sh|bash|zsh|ksh|dash|curl|wget|nc|ncat|cat|id|whoami|uname|ls|rm|python[\d.]*|perl|ruby|php|echo|ping|nslookup|dig|chmod|sleep|env|printenv|base64)\b[^`]{0,500}`"#,
        #"(?:;|&&?|\|\|?|%0a|%0d|%3b|%26|%7c)\s*(?:sudo\s+)?(?:/(?:usr/)?s?bin/)?"# + injectedCommand,
        #"/dev/(?:tcp|udp)/"#,
        #"(?:^|[\s'"=;&|])(?:/usr)?/bin/(?:ba|z|k|c|da|tc)?sh\b"#,
        #"\$\{ifs\}|\$ifs\b"#,
    ])

    private static let pathTraversal = anyOf([
        // ../ or ..\ not inside an ellipsis or a word
        // (the look-behind comes after the dots so that the engine can skip to the next ".")
        #"\.\.(?<![.\w]\.\.)[/\\]"#,
        #"[/\\]\.\.(?:[/\\]|$)"#,
        #"\.{4}[/\\]"#,
        // percent-encoded, double-encoded and overlong-UTF-8 forms
        #"(?:%2e|%252e|%c0%ae|%e0%80%ae|%u002e|\.){2}(?:%2f|%5c|%252f|%255c|%c0%af|%c1%9c|%u2215|%u2216)"#,
        #"(?:%2e|%252e|%c0%ae|%e0%80%ae){2}[/\\]"#,
        #"/etc/(?:passwd|shadow|group|sudoers|hosts|issue|crontab)\b"#,
        #"/proc/self/"#,
        #"(?:\bc:[/\\]+windows|%systemroot%|%windir%)[/\\]"#,
        #"\bwindows[/\\]+system32\b"#,
        #"\b(?:win|boot)\.ini\b"#,
    ])

    private static let codeExecution = anyOf([
        #"\b(?:eval|exec|execfile|execscript|assert|passthru|shell_exec|proc_open|pcntl_exec|popen)\((?!\))"#,
        #"\b(?:eval|exec)\s+\(\s*['"`]"#,
        #"\b__import__\s*\("#,
        #"\b__(?:builtins|globals|subclasses|mro|bases)__\b"#,
        #"\bos\.(?:system|popen|exec\w*|spawn\w*|fork)\b"#,
        #"\bsubprocess\.\w+"#,
        #"\bruntime\.getruntime\s*\("#,
        #"\bjava\.lang\.(?:runtime|processbuilder)\b"#,
        #"\bnew\s+processbuilder\s*\("#,
        #"\bchild_process\b"#,
        #"\brequire\s*\(\s*['"](?:child_process|vm)['"]"#,
        #"\bnew\s+function\s*\("#,
        #"<\s*/?\s*script\b"#,
        // URL schemes that run code; "JavaScript: 5 years" (a space after the colon) is prose
        #"\b(?:javascript|vbscript|livescript)\s*:(?!\s)"#,
        #"\bjavascript\s*:\s*(?:[\w$.]+\s*\(|//|/\*|void\b)"#,
        #"\bdata\s*:\s*text/html\b"#,
        #"<[a-z][^>]{0,200}[\s/"']on[a-z]+\s*="#,
        #"\$\{jndi:"#,
        #"\{\{[^{}]{0,200}(?:__\w+__|\bconfig\b|\brequest\.application|\bself\._)"#,
        #"<\?php\b"#,
        #"\b(?:system|passthru|shell_exec)\s*\(\s*['"$]"#,
        #"\bpickle\.loads?\b"#,
        #"\bbase64_decode\s*\("#,
    ])

    private static let xxe = anyOf([
        #"<!entity\b"#,
        #"<!doctype\s[^>]{0,500}\["#,
        #"<!doctype\s[^>]{0,500}\b(?:system|public)\s+['"]"#,
        #"\bsystem\s+['"](?:file|https?|ftp|php|expect|jar|netdoc|gopher|data|zip):"#,
        #"<xi:include\b"#,
    ])
}
