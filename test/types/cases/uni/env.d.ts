/// <reference types="miniprogram-eventsource/uni" />
