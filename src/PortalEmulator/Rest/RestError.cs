namespace PortalEmulator.Rest;

/// <summary>An error answer of the portal: HTTP status plus Bitrix24's <c>error</c> and <c>error_description</c>.</summary>
public sealed class RestError(int status, string code, string description) : Exception(description)
{
    public int Status { get; } = status;
    public string Code { get; } = code;
    public string Description { get; } = description;

    public static RestError Argument(string name) => new(400, "ERROR_ARGUMENT", $"Argument '{name}' is null or empty");
}
