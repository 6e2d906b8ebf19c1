@echo off
rem Installs and starts `bachata1c watch` as the Windows service "bachata1c-watch" with WinSW.
rem Needs bachata1c-watch.exe (WinSW-x64.exe renamed) and bachata1c-watch.xml beside this file.
rem Run as administrator. Remove with: bachata1c-watch.exe stop ^& bachata1c-watch.exe uninstall
mkdir "D:\Exchange\Bachata\logs" 2>nul
"%~dp0bachata1c-watch.exe" install || exit /b 1
"%~dp0bachata1c-watch.exe" start
