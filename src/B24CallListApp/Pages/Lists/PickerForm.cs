using System.Globalization;
using B24CallListApp.CallLists;

namespace B24CallListApp.Pages.Lists;

/// <summary>What a picker form posts: the search, the segment, the page and the ids chosen so far.</summary>
public sealed record PickerForm(string? Text, Segment Segment, int Page, IReadOnlyCollection<int> Selected)
{
    /// <summary>The names of the picker's fields, shared by the page, its partials and its script.</summary>
    public static class Fields
    {
        public const string Text = "q";
        public const string Page = "page";
        public const string Selected = "selected";
        public const string Responsible = "segment.responsible";
        public const string Type = "segment.type";
        public const string Source = "segment.source";
        public const string Company = "segment.company";
        public const string CreatedFrom = "segment.from";
        public const string CreatedTo = "segment.to";
        public const string HasPhone = "segment.phone";

        /// <summary>"Clear filter": the segment's fields are ignored and the page shows them empty.</summary>
        public const string Clear = "segment.clear";
    }

    public static readonly PickerForm Empty = new(null, Segment.None, 1, []);

    public CrmQuery Query => new(Text, Segment);

    /// <summary>The picker's fields; null when an id or a segment value is not one the page offers (a tampered form).</summary>
    public static PickerForm? Read(HttpRequest request)
    {
        var form = request.HasFormContentType ? request.Form : null;
        var selected = new List<int>();
        foreach (var value in form?[Fields.Selected] ?? default)
        {
            if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id <= 0)
            {
                return null;
            }

            selected.Add(id);
        }

        string? Field(string name) => form?[name].ToString();
        var segment = !string.IsNullOrEmpty(Field(Fields.Clear))
            ? Segment.None
            : Segment.Parse(Field(Fields.Responsible), Field(Fields.Type), Field(Fields.Source), Field(Fields.Company),
                Field(Fields.CreatedFrom), Field(Fields.CreatedTo), Field(Fields.HasPhone));
        if (segment is null)
        {
            return null;
        }

        var pageText = request.Query[Fields.Page].ToString() is { Length: > 0 } fromQuery ? fromQuery : Field(Fields.Page);
        var page = int.TryParse(pageText, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p > 0 ? p : 1;
        return new PickerForm(Field(Fields.Text), segment, page, selected.Distinct().ToList());
    }
}
