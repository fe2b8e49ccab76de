; Inno Setup 6 script: installs the PyInstaller one-folder bundle (packaging\dist\Sherwood)
; with a Start-menu entry, an optional desktop icon and an uninstaller.
;
; UNTESTED: written carefully but never compiled (only Linux builds run in CI).
; Build on Windows, from the repository root, after `python packaging\build.py --no-package`:
;   "C:\Program Files (x86)\Inno Setup 6\ISCC.exe" packaging\windows\sherwood.iss
; (`python packaging\build.py` does both when ISCC is on PATH or in its default folder.)
; Output: packaging\dist\Sherwood-<version>-windows-x64-setup.exe
;
; The version below must equal app.__version__ (tests/packaging checks it); build.py also
; passes it explicitly with /DAppVersion=<version>.
; The user's data (%LOCALAPPDATA%\Sherwood: databases, logs) is never written inside {app}
; and the uninstaller leaves it in place.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define AppName "Sherwood"
#define AppExe "Sherwood.exe"
#define BundleDir "..\dist\Sherwood"
#ifndef IconFile
  #define IconFile "..\build\pyinstaller\sherwood\generated\Sherwood.ico"
#endif

[Setup]
; AppId identifies the product for upgrades and uninstall: never change it.
AppId={{6F1B7C2E-4A8D-4E55-9A3B-2C5D7E9F1A60}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=The Sherwood authors
VersionInfoVersion={#AppVersion}
VersionInfoProductName={#AppName}
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
; Per-user install by default (no admin rights); the user may choose all users.
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir=..\dist
OutputBaseFilename={#AppName}-{#AppVersion}-windows-x64-setup
SetupIconFile={#IconFile}
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName} {#AppVersion}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
CloseApplications=yes

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "{#BundleDir}\{#AppExe}"; DestDir: "{app}"; Flags: ignoreversion
Source: "{#BundleDir}\_internal\*"; DestDir: "{app}\_internal"; Flags: ignoreversion recursesubdirs createallsubdirs

[InstallDelete]
; An upgrade replaces the whole bundle, so no file of an older version lingers.
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{app}"; Comment: "Trading terminal and RSI/MACD bot"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{app}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent
