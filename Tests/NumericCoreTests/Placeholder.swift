import Testing
import NumericCore
