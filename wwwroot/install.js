// The install is finished only when the portal hears BX24.installFinish().
BX24.init(function () { BX24.installFinish(); });
