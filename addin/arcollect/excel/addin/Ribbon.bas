Attribute VB_Name = "Ribbon"
' Callbacks of the Collections tab (customUI.xml). Each runs one entry point of arcollect.excel.ribbon through
' xlwings; the Python side finds the calling workbook, reports errors in plain words and writes the log.
Option Explicit

Sub OnRefresh(control As IRibbonControl)
    If Ready() Then RunPython "import arcollect.excel.ribbon as r; r.refresh()"
End Sub

Sub OnPreview(control As IRibbonControl)
    If Ready() Then RunPython "import arcollect.excel.ribbon as r; r.preview()"
End Sub

Sub OnSend(control As IRibbonControl)
    If Ready() Then RunPython "import arcollect.excel.ribbon as r; r.send()"
End Sub

Sub OnApprove(control As IRibbonControl)
    If Ready() Then RunPython "import arcollect.excel.ribbon as r; r.approve()"
End Sub

Sub OnDashboard(control As IRibbonControl)
    If Ready() Then RunPython "import arcollect.excel.ribbon as r; r.dashboard()"
End Sub

Sub OnImportOpenItems(control As IRibbonControl)
    If Ready() Then RunPython "import arcollect.excel.ribbon as r; r.import_open_items()"
End Sub

Sub OnImportBankStatement(control As IRibbonControl)
    If Ready() Then RunPython "import arcollect.excel.ribbon as r; r.import_bank_statement()"
End Sub

Sub OnTestConnection(control As IRibbonControl)
    If Ready() Then RunPython "import arcollect.excel.ribbon as r; r.test_connection()"
End Sub

Sub OnOpenLog(control As IRibbonControl)
    If Ready() Then RunPython "import arcollect.excel.ribbon as r; r.open_log()"
End Sub

' Every button works on the workbook in front of the user. With none (Excel just started, or the workbook is in
' Protected View) xlwings would stop with run-time error 91, so the user is told what to do instead. The first
' press also gives the cell functions their help in Insert Function: the add-in runs no code when it opens.
Private Function Ready() As Boolean
    Static registered As Boolean
    If Not registered Then
        registered = True
        RegisterArcollectFunctions
    End If
    If ActiveWorkbook Is Nothing Then
        MsgBox "Open your receivables workbook first (if Excel shows it in Protected View, click Enable Editing), " & _
            "then press the button again.", vbInformation, "arcollect"
        Exit Function
    End If
    Ready = True
End Function
