@echo off
rem Installs and starts `bachata1c serve --convert` as the Windows service "bachata1c-serve" with
rem WinSW: the webhook in, the files into the outbox, 1C's site exchange answered. Use it instead of
rem the watch service and the run task, not beside them.
rem Needs bachata1c-serve.exe (WinSW-x64.exe renamed) and bachata1c-serve.xml beside this file, and
rem in C:\ProgramData\bachata1c: password.txt (the password on its first line), cert.pem and key.pem.
rem Run as administrator. Remove with: bachata1c-serve.exe stop ^& bachata1c-serve.exe uninstall
mkdir "D:\Exchange\Bachata\logs" 2>nul
mkdir "C:\ProgramData\bachata1c" 2>nul
rem The password and the key: readable by SYSTEM (S-1-5-18, the service) and the administrators
rem (S-1-5-32-544) only; by SID, since their names differ by the language of Windows.
icacls "C:\ProgramData\bachata1c" /inheritance:r /grant:r "*S-1-5-18:(OI)(CI)F" "*S-1-5-32-544:(OI)(CI)F" >nul || exit /b 1
rem Bachata and 1C reach the service on the port of --listen in bachata1c-serve.xml.
netsh advfirewall firewall add rule name="bachata1c serve" dir=in action=allow protocol=TCP localport=8443 >nul
"%~dp0bachata1c-serve.exe" install || exit /b 1
"%~dp0bachata1c-serve.exe" start
