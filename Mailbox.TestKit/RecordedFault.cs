namespace Mailbox.TestKit;

/// <summary>A fault a loop under test reported: its <see cref="CallbackFaulted"/> or <see cref="UnobservedCoroutineFault"/> event.</summary>
/// <param name="Source">The loop it came from.</param>
/// <param name="Event">The event.</param>
/// <param name="Exception">What was thrown.</param>
internal sealed record RecordedFault(LoopUnderTest Source, LoopEvent Event, Exception Exception)
{
    /// <inheritdoc/>
    public override string ToString() =>
        $"{Event.GetType().Name} of {Source}: {Exception.GetType().FullName}: {Exception.Message}";
}
