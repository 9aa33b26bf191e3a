namespace Mailbox;

/// <summary>The lifecycle of a <see cref="LoopActor"/>. States only move forward, so they compare with <c>&gt;=</c>.</summary>
public enum LoopState
{
    /// <summary>The loop accepts messages and runs them.</summary>
    Running = 0,

    /// <summary>A stop was requested: sends are refused; the loop is draining or discarding.</summary>
    Stopping = 1,

    /// <summary>The reader thread has finished its work; <see cref="LoopActor.Completion"/> completes once it has exited.</summary>
    Stopped = 2,
}
