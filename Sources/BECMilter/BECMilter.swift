/// The libmilter adapter (placeholder).
public enum BECMilterModule {}
