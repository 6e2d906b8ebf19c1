# bachata1c's alerts to a Telegram chat, through the Bot API (docs/monitoring.md).
#
#   [alerts]
#   command = 'powershell -NoProfile -ExecutionPolicy Bypass -File "%ProgramFiles%\bachata1c\bachata1c-telegram.ps1"'
#
# Reads the alert's text on standard input and sends it with sendMessage. The bot's token and
# the chat's id come from TELEGRAM_BOT_TOKEN and TELEGRAM_CHAT_ID, or else from telegram.conf
# beside this script, two lines readable by the service account only:
#
#   TELEGRAM_BOT_TOKEN=123456789:AA...
#   TELEGRAM_CHAT_ID=-1001234567890
#
# TELEGRAM_API_URL replaces https://api.telegram.org (a proxy, or a test server). Exits
# non-zero with Telegram's own words on standard error when the message is not accepted:
# bachata1c then logs them and sends the alert again at its next evaluation.
# Windows PowerShell 5.1 (every Windows since Server 2016) and PowerShell 7 both run it.
$ErrorActionPreference = 'Stop'

# bachata1c writes UTF-8; the console's code page would garble Cyrillic.
[Console]::InputEncoding = [System.Text.Encoding]::UTF8
$text = [Console]::In.ReadToEnd()

$token = $env:TELEGRAM_BOT_TOKEN
$chat = $env:TELEGRAM_CHAT_ID
$conf = Join-Path $PSScriptRoot 'telegram.conf'
if ((-not $token -or -not $chat) -and (Test-Path -LiteralPath $conf)) {
    foreach ($line in Get-Content -LiteralPath $conf -Encoding UTF8) {
        if ($line -match '^\s*(TELEGRAM_BOT_TOKEN|TELEGRAM_CHAT_ID)\s*=\s*(.*?)\s*$') {
            if ($Matches[1] -eq 'TELEGRAM_BOT_TOKEN' -and -not $token) { $token = $Matches[2] }
            if ($Matches[1] -eq 'TELEGRAM_CHAT_ID' -and -not $chat) { $chat = $Matches[2] }
        }
    }
}
if (-not $token -or -not $chat) {
    [Console]::Error.WriteLine("bachata1c-telegram: set TELEGRAM_BOT_TOKEN and TELEGRAM_CHAT_ID, or write them in $conf")
    exit 2
}
$api = 'https://api.telegram.org'
if ($env:TELEGRAM_API_URL) { $api = $env:TELEGRAM_API_URL.TrimEnd('/') }

# Windows PowerShell 5.1 may offer only TLS 1.0 by default; Telegram wants 1.2.
[Net.ServicePointManager]::SecurityProtocol = [Net.ServicePointManager]::SecurityProtocol -bor [Net.SecurityProtocolType]::Tls12
# The form encoded here, as UTF-8 bytes: 5.1 would encode a hashtable's Cyrillic wrongly.
$form = 'chat_id=' + [Uri]::EscapeDataString($chat) + '&text=' + [Uri]::EscapeDataString($text)
try {
    Invoke-RestMethod -Method Post -Uri "$api/bot$token/sendMessage" -TimeoutSec 20 `
        -ContentType 'application/x-www-form-urlencoded; charset=utf-8' `
        -Body ([System.Text.Encoding]::UTF8.GetBytes($form)) | Out-Null
} catch {
    $said = $_.ErrorDetails.Message
    if (-not $said) { $said = $_.Exception.Message }
    [Console]::Error.WriteLine("bachata1c-telegram: Telegram did not accept the message: $said")
    exit 1
}
