@echo off
rem Registers `bachata1c run` with Task Scheduler: every minute, as SYSTEM, whether anyone
rem is logged on or not. Run as administrator from the folder holding bachata1c.exe.
rem Remove with: schtasks /Delete /TN "bachata1c run" /F
schtasks /Create /F /TN "bachata1c run" /SC MINUTE /MO 1 /RU SYSTEM /RL HIGHEST /TR "\"%~dp0bachata1c.exe\" run --dir \"D:\Exchange\Bachata\" --quiet --log-file \"D:\Exchange\Bachata\bachata1c.log\""
