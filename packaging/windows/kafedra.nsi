; Kafedra's Windows installer (NSIS 3): a per-user install that needs no
; administrator rights.
;
;   makensis /DVERSION=0.1.0 /DEXE=/abs/kafedra.exe /DOUTFILE=/abs/setup.exe kafedra.nsi
;
; packaging/windows/build.sh passes these from Cargo. Optional: /DVIVERSION=0.1.0.0
; (the numeric file version), /DICON=/abs/kafedra.ico (otherwise
; packaging/icons/kafedra.ico when it exists, otherwise NSIS's own icon).
;
; Silent use:  kafedra-<version>-setup.exe /S [/D=C:\folder]
;              Uninstall.exe /S [/DELETEDATA]
; The uninstaller keeps the reader database and the settings
; (%APPDATA%\Kafedra\Kafedra\data and ...\config) and the logs
; (%LOCALAPPDATA%\Kafedra\Kafedra\data\logs) unless the librarian answers
; «Да» to its question, or /DELETEDATA is given in silent mode.

Unicode true
; A 64-bit installer for a 64-bit program: it also runs under a plain wine64
; (Debian's wine64 without wine32 cannot start 32-bit programs).
Target amd64-unicode
ManifestDPIAware true
SetCompressor /SOLID lzma
RequestExecutionLevel user

!ifndef VERSION
  !error "Pass the version: makensis /DVERSION=x.y.z"
!endif
!ifndef EXE
  !error "Pass the program: makensis /DEXE=path\to\kafedra.exe"
!endif
!ifndef OUTFILE
  !define OUTFILE "kafedra-${VERSION}-setup.exe"
!endif
!ifndef VIVERSION
  !define VIVERSION "0.0.0.0"
!endif
!ifndef ICON
  !if /FileExists "${__FILEDIR__}\..\icons\kafedra.ico"
    !define ICON "${__FILEDIR__}\..\icons\kafedra.ico"
  !endif
!endif

!define PRODUCT "Кафедра"
!define PUBLISHER "Kafedra team"
!define UNINST_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\Kafedra"
!define SHORTCUT "$SMPROGRAMS\${PRODUCT}.lnk"

Name "${PRODUCT} ${VERSION}"
OutFile "${OUTFILE}"
InstallDir "$LOCALAPPDATA\Programs\Kafedra"
InstallDirRegKey HKCU "${UNINST_KEY}" "InstallLocation"
BrandingText "${PRODUCT} ${VERSION}"

VIProductVersion "${VIVERSION}"
VIFileVersion "${VIVERSION}"
VIAddVersionKey /LANG=0 "ProductName" "${PRODUCT}"
VIAddVersionKey /LANG=0 "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=0 "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=0 "CompanyName" "${PUBLISHER}"
VIAddVersionKey /LANG=0 "LegalCopyright" "MIT License, ${PUBLISHER}"
VIAddVersionKey /LANG=0 "FileDescription" "Установка программы «${PRODUCT}»"

!include "MUI2.nsh"
!include "FileFunc.nsh"
!include "LogicLib.nsh"

!define MUI_ABORTWARNING
!ifdef ICON
  !define MUI_ICON "${ICON}"
  !define MUI_UNICON "${ICON}"
!endif

!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_LICENSE "${__FILEDIR__}\license.txt"
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!define MUI_FINISHPAGE_RUN "$INSTDIR\kafedra.exe"
!define MUI_FINISHPAGE_RUN_TEXT "$(RunNow)"
!insertmacro MUI_PAGE_FINISH

!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES

; Russian first: the installer falls back to it when the system language is
; neither of the two.
!insertmacro MUI_LANGUAGE "Russian"
!insertmacro MUI_LANGUAGE "English"

LangString RunNow ${LANG_RUSSIAN} "Запустить «${PRODUCT}»"
LangString RunNow ${LANG_ENGLISH} "Start Kafedra"
LangString ShortcutNote ${LANG_RUSSIAN} "АРМ «Читатели»: читатели, логины ЭБС, памятки"
LangString ShortcutNote ${LANG_ENGLISH} "Reference desk: readers, e-library logins, access slips"
LangString AskDeleteData ${LANG_RUSSIAN} "Удалить также базу читателей, настройки и журналы работы программы?$\r$\n$\r$\n$APPDATA\Kafedra\Kafedra$\r$\n$LOCALAPPDATA\Kafedra\Kafedra$\r$\n$\r$\nОтветьте «Нет», если программа будет установлена снова или базу нужно сохранить: она останется на месте."
LangString AskDeleteData ${LANG_ENGLISH} "Also delete the reader database, the settings and the logs?$\r$\n$\r$\n$APPDATA\Kafedra\Kafedra$\r$\n$LOCALAPPDATA\Kafedra\Kafedra$\r$\n$\r$\nAnswer No to keep them for a later installation."
LangString DataKept ${LANG_RUSSIAN} "База читателей и настройки сохранены: $APPDATA\Kafedra\Kafedra"
LangString DataKept ${LANG_ENGLISH} "The reader database and settings are kept: $APPDATA\Kafedra\Kafedra"
LangString DataDeleted ${LANG_RUSSIAN} "База читателей и настройки удалены."
LangString DataDeleted ${LANG_ENGLISH} "The reader database and settings are deleted."

Var DeleteData

Section "Kafedra" SecMain
  SectionIn RO
  SetShellVarContext current
  SetOutPath "$INSTDIR"
  ; (A running program keeps its .exe locked: NSIS then offers «Повтор».)
  File "/oname=kafedra.exe" "${EXE}"
  File "/oname=license.txt" "${__FILEDIR__}\license.txt"
!ifdef ICON
  File "/oname=kafedra.ico" "${ICON}"
  !define SHORTCUT_ICON "$INSTDIR\kafedra.ico"
!else
  !define SHORTCUT_ICON "$INSTDIR\kafedra.exe"
!endif
  WriteUninstaller "$INSTDIR\Uninstall.exe"

  CreateShortcut "${SHORTCUT}" "$INSTDIR\kafedra.exe" "" "${SHORTCUT_ICON}" 0 \
    SW_SHOWNORMAL "" "$(ShortcutNote)"

  WriteRegStr HKCU "${UNINST_KEY}" "DisplayName" "${PRODUCT} — АРМ «Читатели»"
  WriteRegStr HKCU "${UNINST_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "${UNINST_KEY}" "Publisher" "${PUBLISHER}"
  WriteRegStr HKCU "${UNINST_KEY}" "DisplayIcon" "${SHORTCUT_ICON}"
  WriteRegStr HKCU "${UNINST_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${UNINST_KEY}" "UninstallString" '"$INSTDIR\Uninstall.exe"'
  WriteRegStr HKCU "${UNINST_KEY}" "QuietUninstallString" '"$INSTDIR\Uninstall.exe" /S'
  WriteRegDWORD HKCU "${UNINST_KEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINST_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  IntFmt $0 "0x%08X" $0
  WriteRegDWORD HKCU "${UNINST_KEY}" "EstimatedSize" "$0"
SectionEnd

Function un.onInit
  SetShellVarContext current
  StrCpy $DeleteData 0
  ; Silent: the data goes only when asked for on the command line.
  ${If} ${Silent}
    ${un.GetParameters} $R0
    ClearErrors
    ${un.GetOptions} $R0 "/DELETEDATA" $R1
    ${IfNot} ${Errors}
      StrCpy $DeleteData 1
    ${EndIf}
  ${EndIf}
FunctionEnd

Section "Uninstall"
  SetShellVarContext current
  Delete "${SHORTCUT}"
  Delete "$INSTDIR\kafedra.exe"
  Delete "$INSTDIR\kafedra.ico"
  Delete "$INSTDIR\license.txt"
  Delete "$INSTDIR\Uninstall.exe"
  ; Not /r: a folder the librarian chose may hold other files.
  RMDir "$INSTDIR"
  DeleteRegKey HKCU "${UNINST_KEY}"

  ; Interactive: asked once the program is gone; «Нет» is the default
  ; button, so Enter keeps the readers.
  ${IfNot} ${Silent}
    ${If} ${Cmd} `MessageBox MB_YESNO|MB_ICONQUESTION|MB_DEFBUTTON2 "$(AskDeleteData)" IDYES`
      StrCpy $DeleteData 1
    ${EndIf}
  ${EndIf}

  ${If} $DeleteData = 1
    ; The directories crate's ProjectDirs::from("ru", "Kafedra", "Kafedra"):
    ; the roaming data and config, the local data (the log files in data\logs).
    RMDir /r "$APPDATA\Kafedra\Kafedra"
    RMDir "$APPDATA\Kafedra"
    RMDir /r "$LOCALAPPDATA\Kafedra\Kafedra"
    RMDir "$LOCALAPPDATA\Kafedra"
    DetailPrint "$(DataDeleted)"
  ${Else}
    DetailPrint "$(DataKept)"
  ${EndIf}
SectionEnd
