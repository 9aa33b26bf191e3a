namespace Mailbox;

/// <summary>One control-lane message.</summary>
/// <param name="Kind">What it asks.</param>
/// <param name="Payload">Its argument, if any.</param>
internal readonly record struct ControlMessage(ControlKind Kind, object? Payload = null);
