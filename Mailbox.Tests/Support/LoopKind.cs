namespace Mailbox.Tests.Support;

/// <summary>Which kind of loop a test class's <see cref="LoopTestKit.Spawn"/> makes: the configuration knob of its sealed leaves.</summary>
public enum LoopKind
{
    /// <summary><see cref="LoopActor.Spawn"/>: the loop alone on a thread of its own.</summary>
    Dedicated,

    /// <summary><see cref="LoopGroup.Spawn"/>: the loop pinned to one thread of a group it shares with its siblings.</summary>
    Grouped,
}
