"""Which names VBA can take: MS-VBAL's reserved identifiers, and the shape of a name.

    >>> from arcollect.excel.addin.vba_names import is_reserved, name_problem
    >>> is_reserved("Currency"), is_reserved("currency_code")
    (True, False)
    >>> name_problem("_private")
    'VBA names start with a letter (A-Z)'

`RESERVED` is the union of the lists of MS-VBAL (Microsoft's VBA Language Specification, [MS-VBAL] 1.7)
§3.3.5.2 "Reserved Identifiers and IDENTIFIER" — statement keywords, the Rem keyword, marker keywords, operator
identifiers, special forms, reserved names, reserved type identifiers, literal identifiers, names reserved for
implementation use and future reserved words — kept list by list below, as the specification names them. None of
them may name a variable, a parameter or a procedure: `Function AR_FX(amount, currency)` does not compile, because
`Currency` is a reserved type identifier (VBA ignores case).

`STATEMENT_WORDS` are further words VBA's own statements begin with (`Error 5`, `Kill path`, `Property Get`, `Name
a As b`, `Line Input #1`…). The specification allows them as identifiers in most places, but a parameter of that
name shadows a statement of the language inside the procedure, and editors disagree on where they parse; arcollect
renames them like reserved words so that its generated modules never depend on that corner.
"""

from __future__ import annotations

import re


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: §3.3.5.2 Statement-keyword.
STATEMENT_KEYWORDS = _words(
    """Call Case Close Const Declare DefBool DefByte DefCur DefDate DefDbl DefInt DefLng DefLngLng DefLngPtr DefObj
    DefSng DefStr DefVar Dim Do Else ElseIf End EndIf Enum Erase Event Exit For Friend Function Get Global GoSub GoTo
    If Implements Input Let Lock Loop LSet Next On Open Option Print Private Public Put RaiseEvent ReDim Resume Return
    RSet Seek Select Set Static Stop Sub Type Unlock Wend While With Write"""
)
#: §3.3.5.2 rem-keyword.
REM_KEYWORD = frozenset({"Rem"})
#: §3.3.5.2 marker-keyword.
MARKER_KEYWORDS = _words(
    """Any As ByRef ByVal Case Each Else In New Shared Until WithEvents Write Optional ParamArray Preserve Spc Tab
    Then To"""
)
#: §3.3.5.2 operator-identifier.
OPERATOR_IDENTIFIERS = _words("AddressOf And Eqv Imp Is Like New Mod Not Or TypeOf Xor")
#: §3.3.5.2 special-form.
SPECIAL_FORMS = _words("Array Circle Input InputB LBound Scale UBound")
#: §3.3.5.2 reserved-name.
RESERVED_NAMES = _words(
    """Abs CBool CByte CCur CDate CDbl CDec CInt CLng CLngLng CLngPtr CSng CStr CVar CVErr Date Debug DoEvents Fix
    Int Len LenB Me PSet Scale Sgn String"""
)
#: §3.3.5.2 reserved-type-identifier.
RESERVED_TYPE_IDENTIFIERS = _words(
    "Boolean Byte Currency Date Double Integer Long LongLong LongPtr Single String Variant"
)
#: §3.3.5.2 literal-identifier (boolean-, object- and variant-literal-identifier).
LITERAL_IDENTIFIERS = frozenset({"True", "False", "Nothing", "Empty", "Null"})
#: §3.3.5.2 reserved-for-implementation-use.
RESERVED_FOR_IMPLEMENTATION_USE = _words(
    """Attribute LINEINPUT VB_Base VB_Control VB_Creatable VB_Customizable VB_Description VB_Exposed VB_Ext_KEY
    VB_GlobalNameSpace VB_HelpID VB_Invoke_Func VB_Invoke_Property VB_Invoke_PropertyPut VB_Invoke_PropertyPutRef
    VB_MemberFlags VB_Name VB_PredeclaredId VB_ProcData VB_TemplateDerived VB_UserMemId VB_VarDescription
    VB_VarHelpID VB_VarMemberFlags VB_VarProcData VB_VarUserMemId"""
)
#: §3.3.5.2 future-reserved.
FUTURE_RESERVED = frozenset({"CDecl", "Decimal", "DefDec"})

#: Every reserved identifier of MS-VBAL §3.3.5.2, in its spelling.
RESERVED = (
    STATEMENT_KEYWORDS
    | REM_KEYWORD
    | MARKER_KEYWORDS
    | OPERATOR_IDENTIFIERS
    | SPECIAL_FORMS
    | RESERVED_NAMES
    | RESERVED_TYPE_IDENTIFIERS
    | LITERAL_IDENTIFIERS
    | RESERVED_FOR_IMPLEMENTATION_USE
    | FUTURE_RESERVED
)

#: Words VBA statements and declarations begin with that §3.3.5.2 does not reserve (MS-VBAL §5.2–5.4: Option Base,
#: Declare … Lib … Alias, Property, Error, the file statements, Line Input, Mid, Width, AppActivate …), and the
#: built-in type `Object` (§3.3.5.3).
STATEMENT_WORDS = _words(
    """Access Alias AppActivate Append Base Beep Binary ChDir ChDrive Class Compare Database DeleteSetting Error
    Explicit FileCopy Go Kill Lib Line Load MkDir Mid MidB Module Name Object Output Property PtrSafe Random
    Randomize Read Reset RmDir SavePicture SaveSetting SendKeys SetAttr Step Text Time Unload Width"""
)

_RESERVED_FOLDED = frozenset(word.casefold() for word in RESERVED)
_AVOIDED_FOLDED = _RESERVED_FOLDED | frozenset(word.casefold() for word in STATEMENT_WORDS)
_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
#: The longest identifier VBA accepts.
MAX_LENGTH = 255


def is_reserved(name: str) -> bool:
    """Whether `name` is a reserved identifier of MS-VBAL §3.3.5.2 (VBA ignores case)."""
    return name.casefold() in _RESERVED_FOLDED


def is_avoided(name: str) -> bool:
    """Reserved, or one of `STATEMENT_WORDS`: a name arcollect does not give a VBA parameter."""
    return name.casefold() in _AVOIDED_FOLDED


def name_problem(name: str) -> str | None:
    """Why `name` cannot be a VBA identifier at all, or None: an ASCII letter, then letters, digits or _."""
    if not name:
        return "a VBA name cannot be empty"
    if not ("A" <= name[0] <= "Z" or "a" <= name[0] <= "z"):
        return "VBA names start with a letter (A-Z)"
    if not _IDENTIFIER.fullmatch(name):
        return "VBA names hold only the letters A-Z, digits and _"
    if len(name) > MAX_LENGTH:
        return f"VBA names have at most {MAX_LENGTH} characters"
    return None
