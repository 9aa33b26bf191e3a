namespace Mailbox;

/// <summary>One control-lane message.</summary>
/// <param name="Kind">What it asks.</param>
/// <param name="Payload">Its argument, if any.</param>
/// <param name="Ticks">A time that goes with it (a timer's due time, in UTC ticks of the loop's clock).</param>
internal readonly record struct ControlMessage(ControlKind Kind, object? Payload = null, long Ticks = 0);
