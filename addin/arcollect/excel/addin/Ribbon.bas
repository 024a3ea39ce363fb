Attribute VB_Name = "Ribbon"
' Callbacks of the Collections tab (customUI.xml). Each runs one entry point of arcollect.excel.ribbon through
' xlwings; the Python side finds the calling workbook, reports errors in plain words and writes the log.
Option Explicit

Sub OnRefresh(control As IRibbonControl)
    RunPython "import arcollect.excel.ribbon as r; r.refresh()"
End Sub

Sub OnPreview(control As IRibbonControl)
    RunPython "import arcollect.excel.ribbon as r; r.preview()"
End Sub

Sub OnSend(control As IRibbonControl)
    RunPython "import arcollect.excel.ribbon as r; r.send()"
End Sub

Sub OnDashboard(control As IRibbonControl)
    RunPython "import arcollect.excel.ribbon as r; r.dashboard()"
End Sub

Sub OnImportOpenItems(control As IRibbonControl)
    RunPython "import arcollect.excel.ribbon as r; r.import_open_items()"
End Sub

Sub OnTestConnection(control As IRibbonControl)
    RunPython "import arcollect.excel.ribbon as r; r.test_connection()"
End Sub

Sub OnOpenLog(control As IRibbonControl)
    RunPython "import arcollect.excel.ribbon as r; r.open_log()"
End Sub
